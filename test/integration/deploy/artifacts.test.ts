/**
 * The deployed artifacts run: for every scenario job, `serverless package`, each function's zip
 * unpacked outside the repository and its handler loaded as the Lambda Node.js 20 runtime loads
 * it (the template's Handler string and Environment, ES module rules, a process of its own with
 * no access to this repository's node_modules: test/support/lambda-worker.mjs). The job then
 * runs end to end on the embedded stack through those handlers — the local event source mapping
 * invoking the stages with Kinesis events, the sweep invoked on a schedule as EventBridge would —
 * and its sinks and dead letters must be what `eddy replay` gives (the in-memory engine, which
 * test/scenario/replay-engines.test.ts holds to the stack's files byte for byte). A wrong handler
 * path, an unbundled dependency or a missing environment variable fails here.
 *
 * IAM coverage in the same run: each function process records every AWS call it makes (service,
 * action, table or stream; lib/aws/call-log.ts, an SDK middleware), and each call is evaluated
 * against that function's role in the template (test/support/iam.ts): a call the role would deny
 * fails the test; grants no call used are reported. A mutation check shows a removed action and
 * a narrowed resource are caught.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { AwsCall } from '../../../lib/aws/call-log.ts';
import { KinesisShardReader } from '../../../lib/aws/kinesis-shard-reader.ts';
import { provisionPlan } from '../../../lib/aws/provision.ts';
import { servicesFromEnvironment } from '../../../lib/aws/services.ts';
import { loadJob } from '../../../lib/cli/load-job.ts';
import type { StageInvoker } from '../../../lib/local/event-source-runner.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { toKinesisEvent } from '../../../lib/local/kinesis-event.ts';
import { replayJob } from '../../../lib/local/replay.ts';
import { handlerName, type Plan } from '../../../lib/plan/plan.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import type { DeadLetter } from '../../../lib/runtime/dead-letters.ts';
import { checkDimEnrich, type EnrichedLine, type UnmatchedLine } from '../../scenario/dim-enrich/oracle.ts';
import { scenarioInputs } from '../../scenario/inputs.ts';
import { FunctionProcess, slsPackage, unpackFunctions, type Template } from '../../support/artifacts.ts';
import { evaluateCalls, functionStatements, type Statement } from '../../support/iam.ts';
import { startEdgeRouter } from '../../support/edge-router.ts';
import { localEndpoints } from '../../support/stack.ts';

const inputs = scenarioInputs(5);
/** The scenario jobs of SCENARIOS.md (the Nexmark jobs have scenario tests of their own). */
const jobs = readdirSync('functions').filter((d) => existsSync(join('functions', d, 'job.ts')) && d in inputs);
const cleanup: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo();
});

/** EventBridge's scheduled event, as the sweep receives it. */
const scheduledEvent = () => ({ version: '0', id: 'local', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: {} });

/** Environment values of the template must be plain or refer to what this test can name; there are none of the latter today. */
function noIntrinsics(value: object): string {
  throw new Error(`the template's environment holds ${JSON.stringify(value)}, which this test cannot resolve yet`);
}

/** Every record a Kinesis stream holds, over all its shards, as text. */
async function streamRecords(reader: KinesisShardReader, listShards: (s: string) => Promise<{ shardId: string }[]>, stream: string): Promise<string[]> {
  const out: string[] = [];
  for (const { shardId } of await listShards(stream)) {
    let after: string | undefined;
    for (;;) {
      const batch = await reader.read(stream, shardId, after, 1000);
      if (batch.length === 0) break;
      out.push(...batch.map((r) => Buffer.from(r.data).toString('utf8')));
      after = batch.at(-1)!.seq;
    }
  }
  return out;
}

/**
 * Jobs whose outputs depend, by their contract, on how the arrivals of two sources interleave:
 * for them the artifacts' outputs are checked against the contract's oracle, not against one
 * replay's interleaving. dim-enrich: an event meets the product table as of its bootstrap or any
 * later version (test/scenario/dim-enrich/oracle.ts).
 */
const ORDER_DEPENDENT: Record<string, (inputs: Record<string, string>, sinks: Record<string, unknown[]>) => string[]> = {
  'dim-enrich': (input, sinks) => {
    const parse = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return checkDimEnrich(parse(input['product-cdc']), parse(input.events), (sinks.enriched ?? []) as EnrichedLine[], (sinks.unmatched ?? []) as UnmatchedLine[]);
  },
};

const deadLetterView = (letters: DeadLetter[]) => letters.map((d) => `${d.stage} | ${d.reason} | ${d.record}`).sort();

function kinesisSinks(plan: Plan): { sink: string; target: string }[] {
  const outs = plan.stages.flatMap((s) => s.outputs).flatMap((o) => (o.kind === 'sink' ? [o] : []));
  for (const o of outs) if (o.sinkKind !== 'kinesis') throw new Error(`sink ${o.sink} is ${o.sinkKind}: this test reads Kinesis sinks only (no scenario job had another kind)`);
  return [...new Map(outs.map((o) => [o.sink, { sink: o.sink, target: o.target }])).values()];
}

/**
 * The check catches a removed action and a narrowed resource: without the grant that allowed
 * a recorded call, or with its resource pointed elsewhere, that call is denied.
 */
function expectMutationsCaught(calls: AwsCall[], statements: Statement[], prefix: string): void {
  const call = calls.find((c) => c.resources.length > 0)!;
  const action = `${call.service}:${call.action}`;
  const withoutAction = statements.map((s) => ({ ...s, Action: s.Action.filter((a) => a.toLowerCase() !== action.toLowerCase()) }));
  expect(evaluateCalls(calls, withoutAction, prefix).denied.some((d) => d.startsWith(`${action} `))).toBe(true);
  const narrowed = statements.map((s) => (s.Action.some((a) => a.toLowerCase() === action.toLowerCase()) ? { ...s, Resource: s.Resource.map((r) => `${r}-elsewhere`) } : s));
  expect(evaluateCalls(calls, narrowed, prefix).denied.some((d) => d.startsWith(`${action} `))).toBe(true);
}

/**
 * Packages `name` for `stage`, runs it through its unpacked handlers and checks outputs and IAM.
 * `endpointEnv` is where the functions find AWS: the embedded stack's two endpoints, or one
 * LocalStack-style edge (`AWS_ENDPOINT_URL`).
 */
async function runArtifacts(name: string, stage: string, endpointEnv: Record<string, string>, prefix: string): Promise<void> {
  const { job } = await loadJob(name);
  const plan = planJob(job.graph);
  const lines = Object.fromEntries(Object.entries(inputs[name]).map(([source, text]) => [source, text.split('\n')]));

  const { dir, template } = await slsPackage(name, stage);
  const root = await mkdtemp(join(tmpdir(), `eddy-artifacts-${name}-`));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const functions = await unpackFunctions(dir, template as Template, root, noIntrinsics);
  expect(functions.map((f) => f.name).sort()).toEqual([...plan.stages.map((s) => handlerName(s.id)), ...(plan.sweep ? ['sweep'] : [])].sort());

  // Where AWS is (what LocalStack injects into its Lambda containers), plus the replay's simulated clock.
  const env = { ...endpointEnv, EDDY_RESOURCE_PREFIX: prefix, EDDY_PROCESSING_TIME: 'event' };
  const endpoints = localEndpoints();
  const services = servicesFromEnvironment(job, plan, { EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, EDDY_RESOURCE_PREFIX: prefix, AWS_REGION: 'us-east-1' });
  cleanup.push(async () => {
    services.clients.dynamodb.destroy();
    services.clients.kinesis.destroy();
  });
  await provisionPlan(plan, services.clients, prefix); // serverless deploy's part
  const processes = new Map<string, FunctionProcess>();
  // Every AWS call of each function, recorded by the SDK middleware of lib/aws/call-log.ts, for the role check below.
  const callLog = (fn: string) => join(root, `${fn}.calls.jsonl`);
  for (const fn of functions) processes.set(fn.name, await FunctionProcess.start(fn, { ...env, EDDY_AWS_CALL_LOG: callLog(fn.name) }));
  cleanup.push(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
  });

  let sweeping = Boolean(plan.sweep);
  let sweeps = 0;
  const sweepLoop = (async () => {
    while (sweeping) {
      await processes.get('sweep')!.invoke(scheduledEvent(), 15_000); // passes for ~5 s, then returns (SWEEP_RESERVE_MS)
      sweeps++;
      await sleep(500);
    }
  })();
  let retries = 0;
  const invoke: StageInvoker = async (stageId, shardId, stream, records) => {
    const response = await processes.get(handlerName(stageId))!.invoke(toKinesisEvent(prefix + stream, shardId, records));
    const retryFrom = response.batchItemFailures[0]?.itemIdentifier;
    if (retryFrom !== undefined) retries++;
    return { retryFrom };
  };
  const reader = new KinesisShardReader(services.clients.kinesis, prefix);
  let deadLetters: DeadLetter[];
  try {
    const onError = (stage: string, shard: string, error: unknown) => {
      retries++; // the runner invokes the batch again, as Lambda retries a failed invocation
      console.error(`${name} ${stage}/${shard}: ${(error as Error).message.split('\n')[0]}`);
    };
    deadLetters = await replayJob({ job, plan, inputs: lines, services, reader, invoke, onError, timeoutMs: 240_000 });
  } finally {
    sweeping = false;
    await sweepLoop;
  }
  if (plan.sweep) expect(sweeps).toBeGreaterThan(0);

  const expected = await replayInMemory(job, lines, { processingTime: 'event' });
  // A Kinesis sink is at-least-once to its readers (docs/guarantees.md): a batch Lambda retries
  // may put an output again. Each output must be there, nothing else, and the copies are counted.
  let outputs = 0;
  let copies = 0;
  const received: Record<string, unknown[]> = {};
  for (const { sink, target } of kinesisSinks(plan)) {
    const got = (await streamRecords(reader, (s) => services.streams.listShards(s), target)).map((t) => JSON.stringify(JSON.parse(t)));
    received[sink] = [...new Set(got)].map((t) => JSON.parse(t));
    const want = expected.sinks.values(sink).map((v) => JSON.stringify(v));
    if (ORDER_DEPENDENT[name]) {
      outputs += want.length;
      continue;
    }
    expect([...new Set(got)].sort(), `sink ${sink}`).toEqual([...new Set(want)].sort());
    const tally = (rows: string[]) => rows.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map<string, number>());
    const [have, need] = [tally(got), tally(want)];
    for (const [row, n] of need) expect(have.get(row), `sink ${sink}: ${row}`).toBeGreaterThanOrEqual(n);
    outputs += want.length;
    copies += got.length - want.length;
  }
  expect(outputs).toBeGreaterThan(0);
  if (ORDER_DEPENDENT[name]) expect(ORDER_DEPENDENT[name](inputs[name], received)).toEqual([]);
  if (copies > 0) expect(retries, 'outputs put twice, but no batch was retried').toBeGreaterThan(0);
  expect(deadLetterView(deadLetters)).toEqual(deadLetterView(expected.deadLetters));

  // IAM: every call a function made is one its role in the template allows.
  const report: string[] = [];
  for (const fn of functions) {
    const calls: AwsCall[] = existsSync(callLog(fn.name)) ? (await readFile(callLog(fn.name), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
    const statements = functionStatements(template as Template, fn.functionName);
    if (fn.name !== 'sweep' || sweeps > 0) expect(calls.length, `${fn.name} made AWS calls`).toBeGreaterThan(0);
    const { denied, unused } = evaluateCalls(calls, statements, prefix);
    expect(denied, `${fn.name}: calls its role denies`).toEqual([]);
    report.push(`${name}/${fn.name}: ${calls.length} calls, ${new Set(calls.map((c) => c.action)).size} actions, all allowed; grants never used: ${unused.join(', ') || 'none'}`);
    if (fn.name === functions[0].name) expectMutationsCaught(calls, statements, prefix);
  }
  console.log([`${name} (${stage}): ${outputs} outputs, ${copies} put again by ${retries} retried batches`, ...report].join('\n'));
}

describe.each(jobs)('the packaged artifacts of %s', (name) => {
  it('run the job end to end through its handlers as Lambda loads them, with the outputs of eddy replay', async () => {
    const endpoints = localEndpoints();
    await runArtifacts(name, 'dev', { EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis }, `art${process.pid}-`);
  }, 420_000);
});

describe('the LocalStack path', () => {
  it('the local stage artifacts, given only AWS_ENDPOINT_URL as LocalStack gives its Lambdas, send every call to that one endpoint', async () => {
    const edge = await startEdgeRouter(localEndpoints());
    cleanup.push(() => edge.stop());
    await runArtifacts('order-timeout', 'local', { AWS_ENDPOINT_URL: edge.url }, `ls${process.pid}-`);
    // Every call went through the edge, to a service it knows; none bypassed it (the functions were given no other endpoint).
    expect(edge.requests.length).toBeGreaterThan(0);
    expect(edge.requests.filter((r) => r.startsWith('unrouted'))).toEqual([]);
    expect(new Set(edge.requests.map((r) => r.split('_')[0]))).toEqual(new Set(['DynamoDB', 'Kinesis']));
  }, 420_000);
});
