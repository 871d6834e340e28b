/**
 * `serverless package` works offline for every job in functions/ and derives everything from
 * the job's plan, with no build step: eddy's Serverless plugin bundles the handlers itself
 * (lib/aws/serverless-plugin.ts). For each job the test packages into a directory of its own
 * and reads the CloudFormation template:
 * - one function per stage (+ the sweep when a stage keeps timers), each zip holding only its
 *   own bundle, whose export is the handler;
 * - every stage has exactly one Kinesis event source mapping, on its input stream, with
 *   ReportBatchItemFailures and the job's settings (the batching window the stage's own, if
 *   it set one); the sweep has its schedule;
 * - streams (shards or on-demand mode, KMS) and tables (on-demand, SSE, PITR option, native TTL on the state
 *   table on the attribute the store writes);
 * - one IAM role per function granting exactly the (action, resource) pairs the function
 *   needs, no wildcard anywhere.
 * The expectations are written here from the plan and the job's options, not by calling
 * lib/plan/serverless.ts. The `local` stage (LocalStack) packages to the same template.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../lib/api/job.ts';
import { handlerName, type Plan, type PlanStage } from '../../../lib/plan/plan.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { SLS_ENV, slsPackage, type Template } from '../../support/artifacts.ts';
import { zipFiles } from '../../support/zip.ts';

const run = promisify(execFile);
const jobs = readdirSync('functions').filter((d) => existsSync(join('functions', d, 'job.ts')));
/** Templates packaged for the dev stage, by job (the local-stage test compares with one). */
const devTemplates = new Map<string, Template>();

/** The batching window a stage sets itself, on its source or on the keyed operator that starts it. */
function ownBatchingWindow(job: Job, stage: PlanStage): number | undefined {
  const entry = job.graph.node(stage.entryNode);
  return entry.kind === 'source' ? entry.source.batchingWindowSeconds : entry.kind === 'process' ? entry.batchingWindowSeconds : undefined;
}

/**
 * What each function may do, as `action resource` pairs over physical names (`stream:<name>`,
 * `table:<name>`, `log:<function name>`), from the plan:
 * - a stage reads its input stream (event source mapping + ListShards for its own hash range),
 *   lists the shards of its upstream stages' inputs (watermarks per upstream shard), lists and
 *   writes the streams of the stages it feeds, writes its Kinesis sinks, reads and writes the
 *   state table (Scan only behind a broadcast input: applyToKeyedState), writes dead letters
 *   and its DynamoDB sinks;
 * - the sweep lists and writes the input streams of the stages with timers and queries the
 *   checkpoints;
 * - each writes its own log group.
 */
function expectedGrants(plan: Plan, functionName: (fn: string) => string): Map<string, Set<string>> {
  const state = `table:${plan.tables.find((t) => t.role === 'state')!.name}`;
  const deadLetters = `table:${plan.tables.find((t) => t.role === 'dead-letter')!.name}`;
  const grants = new Map<string, Set<string>>();
  const grant = (fn: string, actions: string[], resource: string) => {
    const set = grants.get(fn) ?? new Set<string>();
    for (const a of actions) set.add(`${a} ${resource}`);
    grants.set(fn, set);
  };
  const byId = new Map(plan.stages.map((s) => [s.id, s]));
  for (const stage of plan.stages) {
    const fn = handlerName(stage.id);
    grant(fn, ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'], `stream:${stage.input.stream}`);
    for (const up of stage.upstream) grant(fn, ['kinesis:ListShards'], `stream:${byId.get(up)!.input.stream}`);
    for (const out of stage.outputs) {
      if (out.kind === 'stage') grant(fn, ['kinesis:PutRecords', 'kinesis:ListShards'], `stream:${out.stream}`);
      else if (out.sinkKind === 'kinesis') grant(fn, ['kinesis:PutRecords'], `stream:${out.target}`);
      else grant(fn, ['dynamodb:BatchWriteItem'], `table:${out.target}`);
    }
    const broadcastInput = plan.stages.some((s) => s.outputs.some((o) => o.kind === 'stage' && o.stage === stage.id && o.route === 'broadcast'));
    grant(fn, ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', ...(broadcastInput ? ['dynamodb:Scan'] : [])], state);
    grant(fn, ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'], deadLetters);
    grant(fn, ['logs:CreateLogStream', 'logs:PutLogEvents'], `log:${functionName(fn)}`);
  }
  for (const stage of plan.stages.filter((s) => s.stateful)) grant('sweep', ['kinesis:ListShards', 'kinesis:PutRecords'], `stream:${stage.input.stream}`);
  if (plan.stages.some((s) => s.stateful)) {
    grant('sweep', ['dynamodb:Query'], state);
    grant('sweep', ['logs:CreateLogStream', 'logs:PutLogEvents'], `log:${functionName('sweep')}`);
  }
  return grants;
}

/** Every value in a policy that could grant a wildcard: action names and resource strings. */
function wildcards(node: unknown, path = ''): string[] {
  if (typeof node === 'string') return node.includes('*') ? [`${path}: ${node}`] : [];
  if (Array.isArray(node)) return node.flatMap((n, i) => wildcards(n, `${path}[${i}]`));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => wildcards(v, `${path}.${k}`));
  return [];
}

it('covers the scenario jobs', () => {
  expect(jobs).toEqual(expect.arrayContaining(['order-timeout', 'hourly-uv', 'uv-sliding', 'hot-items', 'anti-crawler', 'cdc-split', 'dim-enrich']));
});

describe.each(jobs)('serverless package %s', (name) => {
  let job: Job;
  let plan: Plan;
  let dir: string;
  let serviceDir: string;
  let template: Template;
  const of = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  const ref = (value: any): string => value?.['Fn::GetAtt']?.[0] ?? value?.Ref;
  /** A GetAtt/Ref to a stream, table or log group as its physical name (`stream:…`, `table:…`, `log:…`). */
  const physical = (value: unknown): string => {
    const id = ref(value);
    const r = template.Resources[id];
    if (!r) throw new Error(`not a resource of the template: ${JSON.stringify(value)}`);
    if (r.Type === 'AWS::Kinesis::Stream') return `stream:${r.Properties.Name}`;
    if (r.Type === 'AWS::DynamoDB::Table') return `table:${r.Properties.TableName}`;
    if (r.Type === 'AWS::Logs::LogGroup') return `log:${String(r.Properties.LogGroupName).replace(/^\/aws\/lambda\//, '')}`;
    throw new Error(`unexpected resource type in a policy: ${r.Type}`);
  };
  const functionName = (fn: string) => `eddy-${name}-dev-${fn}`;
  const functionsOf = (p: Plan) => [...p.stages.map((s) => handlerName(s.id)), ...(p.stages.some((s) => s.stateful) ? ['sweep'] : [])];

  beforeAll(async () => {
    job = (await import(pathToFileURL(resolve('functions', name, 'job.ts')).href)).default;
    plan = planJob(job.graph);
    ({ dir, serviceDir, template } = await slsPackage(name));
    devTemplates.set(name, template);
  }, 120_000);

  it('has one function per stage and the sweep, each packaged alone with its own bundle as handler', async () => {
    const lambdas = of('AWS::Lambda::Function').map(([, r]) => r.Properties);
    const expected = functionsOf(plan);
    expect(lambdas.map((l) => l.FunctionName).sort()).toEqual(expected.map(functionName).sort());
    for (const fn of expected) {
      const props = lambdas.find((l) => l.FunctionName === functionName(fn))!;
      expect(props.Handler).toBe(`dist/${name}/${fn}.${fn}`);
      expect(props.Runtime).toBe('nodejs20.x');
      expect(props.Architectures).toEqual(['arm64']); // Graviton: what eddy cost prices a GB-second at
      expect(Object.keys(await zipFiles(join(dir, `${fn}.zip`))).sort()).toEqual([`dist/${name}/${fn}.js`, `dist/${name}/package.json`].sort());
    }
    // Each bundle loads in plain Node (as Lambda loads it) and exports its handler, and only that.
    const script = `for (const fn of ${JSON.stringify(expected)}) { const m = await import('./dist/${name}/' + fn + '.js'); console.log(JSON.stringify([fn, Object.keys(m), typeof m[fn]])); }`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: SLS_ENV, cwd: serviceDir });
    expect(stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(expected.map((fn) => [fn, [fn], 'function']));
  });

  it('maps every stage to its input stream once, with ReportBatchItemFailures and the job settings', () => {
    const mappings = of('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    expect(mappings).toHaveLength(plan.stages.length);
    const lambdaIds = Object.fromEntries(of('AWS::Lambda::Function').map(([id, r]) => [id, r.Properties.FunctionName]));
    const o = job.graph.options;
    for (const stage of plan.stages) {
      const mine = mappings.filter((m) => lambdaIds[ref(m.FunctionName)] === functionName(handlerName(stage.id)));
      expect(mine, stage.id).toHaveLength(1);
      const m = mine[0];
      expect(physical(m.EventSourceArn)).toBe(`stream:${stage.input.stream}`);
      expect(m).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: o.batchSize,
        MaximumBatchingWindowInSeconds: ownBatchingWindow(job, stage) ?? o.maximumBatchingWindowInSeconds,
        ParallelizationFactor: 1,
        BisectBatchOnFunctionError: o.bisectBatchOnFunctionError,
        MaximumRetryAttempts: o.maximumRetryAttempts,
        MaximumRecordAgeInSeconds: o.maximumRecordAgeInSeconds,
        StartingPosition: stage.kind === 'source' ? o.startingPosition : 'TRIM_HORIZON',
        Enabled: true,
      });
    }
  });

  it('schedules the sweep when a stage keeps timers', () => {
    const rules = of('AWS::Events::Rule').map(([, r]) => r.Properties);
    if (!plan.stages.some((s) => s.stateful)) {
      expect(rules).toEqual([]);
      return;
    }
    expect(rules).toHaveLength(1);
    expect(rules[0].ScheduleExpression).toBe('rate(1 minute)');
    expect(rules[0].State).toBe('ENABLED');
    expect(rules[0].Targets.map((t: any) => ref(t.Arn))).toEqual(['SweepLambdaFunction']);
    const permissions = of('AWS::Lambda::Permission').map(([, r]) => r.Properties);
    expect(permissions.some((p) => ref(p.FunctionName) === 'SweepLambdaFunction' && p.Principal === 'events.amazonaws.com')).toBe(true);
  });

  it('creates the streams with their shards (internal ones in their capacity mode), KMS-encrypted', () => {
    const streams = of('AWS::Kinesis::Stream').map(([, r]) => r.Properties);
    expect(streams.map((s) => s.Name).sort()).toEqual(plan.streams.map((s) => s.name).sort());
    for (const s of plan.streams) {
      const props = streams.find((x) => x.Name === s.name);
      // An on-demand stream has no shard count: Kinesis sizes it. Source and sink streams name no mode.
      expect(props.ShardCount).toBe(s.mode === 'on-demand' ? undefined : s.shards);
      expect(props.StreamModeDetails).toEqual(s.role === 'internal' ? { StreamMode: s.mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' } : undefined);
      expect(props.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    }
  });

  it('creates the tables on demand with SSE and the PITR option, native TTL (expiresAt) on the state table only', () => {
    const tables = of('AWS::DynamoDB::Table').map(([, r]) => r.Properties);
    expect(tables.map((t) => t.TableName).sort()).toEqual(plan.tables.map((t) => t.name).sort());
    for (const t of plan.tables) {
      const props = tables.find((x) => x.TableName === t.name);
      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props.SSESpecification).toEqual({ SSEEnabled: true });
      expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: job.graph.options.pointInTimeRecovery });
      // lib/state/ttl.ts and the redo log (lib/runtime/commit.ts) write expiresAt, epoch seconds.
      if (t.role === 'state') expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      else expect(props.TimeToLiveSpecification).toBeUndefined();
    }
  });

  it('gives every function a role of its own with exactly what it needs, and no wildcard', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined(); // no shared role
    const expected = expectedGrants(plan, functionName);
    const roles = new Set<string>();
    for (const [, fn] of of('AWS::Lambda::Function')) {
      const key = String(fn.Properties.FunctionName).slice(functionName('').length);
      const roleId = ref(fn.Properties.Role);
      expect(roles.has(roleId), `${key} shares role ${roleId}`).toBe(false);
      roles.add(roleId);
      const role = template.Resources[roleId];
      expect(role.Type).toBe('AWS::IAM::Role');
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }]);
      const granted = new Set<string>();
      for (const policy of role.Properties.Policies) {
        for (const s of policy.PolicyDocument.Statement) {
          expect(s.Effect).toBe('Allow');
          expect(s.Condition).toBeUndefined();
          for (const action of [s.Action].flat()) for (const resource of [s.Resource].flat()) granted.add(`${action} ${physical(resource)}`);
        }
      }
      expect([...granted].sort(), key).toEqual([...(expected.get(key) ?? [])].sort());
    }
    const policies = [...of('AWS::IAM::Role'), ...of('AWS::IAM::Policy'), ...of('AWS::IAM::ManagedPolicy')].map(([id, r]) => [id, r.Properties]);
    expect(wildcards(policies)).toEqual([]);
  });

  it('lets only the stage that feeds a stream and the sweep write to it; nobody reads a sink', () => {
    const writers = new Map<string, string[]>();
    const readers = new Map<string, string[]>();
    for (const [, role] of of('AWS::IAM::Role')) {
      for (const s of role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)) {
        for (const resource of s.Resource) {
          const target = physical(resource);
          if (s.Action.includes('kinesis:PutRecords')) writers.set(target, [...(writers.get(target) ?? []), role.Properties.Description]);
          if (s.Action.includes('kinesis:GetRecords')) readers.set(target, [...(readers.get(target) ?? []), role.Properties.Description]);
        }
      }
    }
    for (const s of plan.streams) {
      if (s.role === 'sink') expect(readers.get(`stream:${s.name}`), s.name).toBeUndefined();
      if (s.role === 'source') expect(writers.get(`stream:${s.name}`), s.name).toBeUndefined(); // producers outside the job write sources
      if (s.role !== 'sink') expect(readers.get(`stream:${s.name}`), s.name).toHaveLength(1);
    }
    const stageOf = (stream: string): PlanStage | undefined => plan.stages.find((st) => st.input.stream === stream);
    for (const [stream, who] of writers) {
      const stage = stageOf(stream.slice('stream:'.length));
      if (!stage) continue;
      const expected = [...stage.upstream.map((u) => `eddy ${name}: function ${handlerName(u)}`), ...(stage.stateful ? [`eddy ${name}: function sweep`] : [])];
      expect(who.sort(), stream).toEqual(expected.sort());
    }
  });
});

describe('serverless package --stage local (LocalStack)', () => {
  it('activates serverless-localstack and packages the same template as any other stage', async () => {
    const local = await slsPackage('order-timeout', 'local');
    expect(local.stdout).toContain('Using serverless-localstack');
    const dev = devTemplates.get('order-timeout') ?? (await slsPackage('order-timeout', 'dev')).template;
    // Only the stage's name and the code's upload key and hash differ.
    const normalize = (t: Template, stage: string) =>
      JSON.parse(
        JSON.stringify(t)
          .replaceAll(`-${stage}-`, '-STAGE-')
          .replaceAll(`/${stage}/`, '/STAGE/')
          .replace(/"S3Key":"[^"]*"/g, '"S3Key":""')
          .replace(/LambdaVersion[A-Za-z0-9]+/g, 'LambdaVersion'),
      );
    expect(normalize(local.template, 'local')).toEqual(normalize(dev, 'dev'));
  }, 240_000);
});
