/**
 * The Serverless Framework (v3) view of a plan: one function per stage with its Kinesis event
 * source mapping, the sweep on its schedule, the streams and tables as CloudFormation
 * resources, and one IAM role per function granting exactly the actions that function calls on
 * exactly the resources it touches. serverless.yml pulls this in through `infra/serverless.cjs`,
 * so nothing about a job is written twice.
 */
import { NATIVE_TTL_ATTRIBUTE } from '../state/ttl.ts';
import { MAX_BATCH_SIZE, MAX_BATCHING_WINDOW_SECONDS } from './graph.ts';
import { handlerName, stageById, type Plan, type PlanStage, type PlanStream } from './plan.ts';

const cfName = (name: string) => name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase());
const streamId = (name: string) => `Stream${cfName(name)}`;
const tableId = (name: string) => `Table${cfName(name)}`;
/** Serverless's own logical ids for a function's parts (its `naming.getNormalizedFunctionName`: upper first letter of an alphanumeric name). */
const normalized = (fn: string) => fn.charAt(0).toUpperCase() + fn.slice(1);
/** The IAM role of function `fn`. */
export const roleId = (fn: string) => `${normalized(fn)}IamRole`;
/** The log group Serverless creates for function `fn`; its `Arn` is `arn:…:log-group:/aws/lambda/<name>:*`, that group only. */
export const logGroupId = (fn: string) => `${normalized(fn)}LogGroup`;

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const streamArn = (name: string) => arn(streamId(name));
const tableArn = (name: string) => arn(tableId(name));

/** What the DynamoDB store calls (lib/aws/dynamodb-store.ts, batch-write.ts): TransactWriteItems needs PutItem/DeleteItem for its Put/Delete entries. */
const STATE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
/** Read by Lambda's event source mapping, and ListShards by the stage itself (its own shard's hash range). */
const INPUT_ACTIONS = ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'];

/**
 * The Lambda functions of a plan by their name in serverless.yml (= the export of
 * `functions/<job>/handler.ts` and of its bundle `dist/<job>/<name>.js`): one per stage, and
 * `sweep` when a stage keeps timers.
 *
 * @example
 * ```ts
 * lambdaFunctions(plan); // ['sourceOrders', 'orderTimeout', 'sweep']
 * ```
 */
export function lambdaFunctions(plan: Plan): string[] {
  return [...plan.stages.map((s) => handlerName(s.id)), ...(plan.sweep ? ['sweep'] : [])];
}

type Statement = { Effect: 'Allow'; Action: string[]; Resource: unknown[] };

/**
 * The IAM statements of one function, derived from what it does:
 * - a stage reads its input stream (the event source mapping) and lists its shards; lists the
 *   shards of its upstream stages' input streams (watermarks per upstream shard); puts records
 *   to, and lists the shards of, the streams of the stages it feeds (routing by hash range);
 *   puts records to its Kinesis sinks; reads and writes the state table (state, timers,
 *   checkpoints, commits) — Scan only when a broadcast input can call `applyToKeyedState`;
 *   writes dead letters; writes its DynamoDB sinks;
 * - the sweep queries the checkpoints and puts tick records to the timer stages' input streams.
 * Both write their own log group. Nothing is `*`.
 */
export function iamStatements(plan: Plan, fn: string): Statement[] {
  const table = (role: 'state' | 'dead-letter') => plan.tables.find((t) => t.role === role)!.name;
  const statements: Statement[] = [];
  const allow = (actions: string[], resources: unknown[]) => {
    if (resources.length > 0) statements.push({ Effect: 'Allow', Action: actions, Resource: resources });
  };
  if (fn === 'sweep' && plan.sweep) {
    const streams = unique(plan.sweep.stages.map((id) => stageById(plan, id).input.stream));
    allow(['kinesis:ListShards', 'kinesis:PutRecords'], streams.map(streamArn));
    allow(['dynamodb:Query'], [tableArn(table('state'))]);
  } else {
    const stage = plan.stages.find((s) => handlerName(s.id) === fn);
    if (!stage) throw new Error(`job ${plan.job} has no function ${fn} (functions: ${lambdaFunctions(plan).join(', ')})`);
    const downstream = unique(stage.outputs.flatMap((o) => (o.kind === 'stage' ? [o.stream] : [])));
    const upstream = unique(stage.upstream.map((id) => stageById(plan, id).input.stream)).filter((s) => s !== stage.input.stream && !downstream.includes(s));
    const sinks = (kind: 'kinesis' | 'dynamodb') => unique(stage.outputs.flatMap((o) => (o.kind === 'sink' && o.sinkKind === kind ? [o.target] : [])));
    allow(INPUT_ACTIONS, [streamArn(stage.input.stream)]);
    allow(['kinesis:ListShards'], upstream.map(streamArn));
    allow(['kinesis:ListShards', 'kinesis:PutRecords'], downstream.map(streamArn));
    allow(['kinesis:PutRecords'], sinks('kinesis').map(streamArn));
    allow([...STATE_ACTIONS, ...(hasBroadcastInput(plan, stage) ? ['dynamodb:Scan'] : [])], [tableArn(table('state'))]);
    allow(['dynamodb:PutItem', 'dynamodb:BatchWriteItem'], [tableArn(table('dead-letter'))]);
    allow(['dynamodb:BatchWriteItem'], sinks('dynamodb').map(tableArn));
  }
  allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [arn(logGroupId(fn))]);
  return statements;
}

/**
 * @example
 * ```ts
 * const { functions, resources } = toServerless(plan); // handlers in dist/<job>/<function>.js (ESM: dist/<job>/package.json)
 * ```
 */
export function toServerless(plan: Plan, distDir = `dist/${plan.job}`) {
  checkLambdaLimits(plan);
  const functions: Record<string, unknown> = {};
  const lambda = (fn: string, description: string, timeout: number, event: unknown) => ({
    handler: `${distDir}/${fn}.${fn}`,
    description,
    timeout,
    role: roleId(fn),
    package: { patterns: [`${distDir}/${fn}.js`, `${distDir}/package.json`] },
    events: [event],
  });
  for (const stage of plan.stages) {
    const es = stage.eventSource;
    functions[handlerName(stage.id)] = lambda(handlerName(stage.id), `eddy ${plan.job}: stage ${stage.id}`, 60, {
      stream: {
        type: 'kinesis',
        arn: streamArn(stage.input.stream),
        batchSize: stage.batchSize,
        batchWindow: es.maximumBatchingWindowInSeconds,
        startingPosition: es.startingPosition,
        functionResponseType: 'ReportBatchItemFailures',
        bisectBatchOnFunctionError: es.bisectBatchOnFunctionError,
        parallelizationFactor: es.parallelizationFactor,
        maximumRetryAttempts: es.maximumRetryAttempts,
        maximumRecordAgeInSeconds: es.maximumRecordAgeInSeconds,
      },
    });
  }
  if (plan.sweep) functions.sweep = lambda('sweep', `eddy ${plan.job}: fires timers of shards without data`, 70, { schedule: plan.sweep.schedule });

  const resources: Record<string, unknown> = {};
  const add = (id: string, what: string, resource: unknown) => {
    // Logical ids keep only letters and digits: `a-b` and `a_b` would be one resource.
    if (id in resources) throw new Error(`job ${plan.job}: ${what} gets the CloudFormation id ${id}, which another resource has; rename one of them`);
    resources[id] = resource;
  };
  for (const s of plan.streams) {
    add(streamId(s.name), `stream ${s.name}`, {
      Type: 'AWS::Kinesis::Stream',
      Properties: { Name: s.name, ...streamCapacity(s), StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } },
    });
  }
  for (const t of plan.tables) {
    const keys = t.role === 'sink' ? [{ AttributeName: 'id', KeyType: 'HASH' }] : [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }];
    add(tableId(t.name), `table ${t.name}`, {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: t.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keys,
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' })),
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: plan.options.pointInTimeRecovery },
        // The state store writes the native TTL attribute on entries with state TTL and on redo-log parts.
        ...(t.role === 'state' && { TimeToLiveSpecification: { AttributeName: NATIVE_TTL_ATTRIBUTE, Enabled: true } }),
      },
    });
  }
  for (const fn of lambdaFunctions(plan)) {
    add(roleId(fn), `the role of function ${fn}`, {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `eddy ${plan.job}: function ${fn}`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
        },
        Policies: [{ PolicyName: `eddy-${plan.job}-${fn}`, PolicyDocument: { Version: '2012-10-17', Statement: iamStatements(plan, fn) } }],
      },
    });
  }
  return { functions, resources };
}

/** Lambda's limits on a Kinesis event source mapping (checked here, at deployment; in-memory runs may use any batch size). */
function checkLambdaLimits(plan: Plan): void {
  for (const stage of plan.stages) {
    const es = stage.eventSource;
    const check = (name: string, value: number, ok: boolean, range: string) => {
      if (!Number.isInteger(value) || !ok) throw new Error(`job ${plan.job}, stage ${stage.id}: ${name} must be ${range} (got ${value})`);
    };
    check('batchSize', stage.batchSize, stage.batchSize >= 1 && stage.batchSize <= MAX_BATCH_SIZE, `an integer from 1 to ${MAX_BATCH_SIZE}`);
    const window = es.maximumBatchingWindowInSeconds;
    check('maximumBatchingWindowInSeconds', window, window >= 0 && window <= MAX_BATCHING_WINDOW_SECONDS, `an integer from 0 to ${MAX_BATCHING_WINDOW_SECONDS}`);
    check('maximumRetryAttempts', es.maximumRetryAttempts, es.maximumRetryAttempts >= -1 && es.maximumRetryAttempts <= 10_000, '-1 (no limit) or an integer from 0 to 10000');
    const age = es.maximumRecordAgeInSeconds;
    check('maximumRecordAgeInSeconds', age, age === -1 || (age >= 60 && age <= 604_800), '-1 (no limit) or an integer from 60 to 604800');
    check('parallelizationFactor', es.parallelizationFactor, es.parallelizationFactor === 1, '1 (a shard is processed serially)');
    if (es.startingPosition !== 'TRIM_HORIZON' && es.startingPosition !== 'LATEST') throw new Error(`job ${plan.job}, stage ${stage.id}: startingPosition must be TRIM_HORIZON or LATEST`);
  }
}

/**
 * The capacity properties of a stream. Internal streams name their mode, so that switching
 * it in the job (Kinesis allows two switches a day) switches the deployed stream back and
 * forth; an on-demand stream has no ShardCount (Kinesis sizes it). Source and sink streams
 * keep the properties they always had.
 */
function streamCapacity(s: PlanStream): Record<string, unknown> {
  if (s.role !== 'internal') return { ShardCount: s.shards };
  if (s.mode === 'on-demand') return { StreamModeDetails: { StreamMode: 'ON_DEMAND' } };
  return { ShardCount: s.shards, StreamModeDetails: { StreamMode: 'PROVISIONED' } };
}

/** A stage fed by a broadcast edge runs `processBroadcastElement`, which may call `applyToKeyedState` (a Scan of the state table). */
function hasBroadcastInput(plan: Plan, stage: PlanStage): boolean {
  return plan.stages.some((s) => s.outputs.some((o) => o.kind === 'stage' && o.stage === stage.id && o.route === 'broadcast'));
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
