/**
 * Throttling on demand: an AWS SDK middleware that makes DynamoDB and Kinesis calls fail the
 * way AWS does under load, at a set rate, from a seed (`EDDY_FAULTS=throttle=0.2,seed=7`, read
 * by `createClients`). It exists to prove that eddy's results do not change when AWS throttles
 * (DESIGN §6): the SDK's retries, eddy's UnprocessedKeys/UnprocessedItems loops and `putAll`.
 *
 * Two middlewares on the client's real stack:
 * - `eddyFaultThrottle` (finalizeRequest, after the retry middleware, so inside its loop):
 *   throws the service's own throttling exception instead of sending the attempt. Nothing
 *   reached the service, so a throttled TransactWriteItems is rejected whole, as on AWS.
 * - `eddyFaultPartial` (initialize, once per call): for BatchGetItem / BatchWriteItem /
 *   PutRecords, sends only part of the request and answers the rest as unprocessed / failed,
 *   merged into the real response — what AWS does when some partitions or shards are hot.
 */
import { seededRandom } from '../runtime/seeded-random.ts';
import { writeSync } from 'node:fs';
import {
  ProvisionedThroughputExceededException as DynamoDbThroughputExceeded,
  ThrottlingException as DynamoDbThrottling,
} from '@aws-sdk/client-dynamodb';
import {
  LimitExceededException as KinesisLimitExceeded,
  ProvisionedThroughputExceededException as KinesisThroughputExceeded,
} from '@aws-sdk/client-kinesis';
import type { FinalizeRequestMiddleware, HandlerExecutionContext, InitializeMiddleware, MiddlewareStack } from '@smithy/types';

/** What `EDDY_FAULTS` asks for. */
export interface FaultConfig {
  /** Probability in (0, 1) that one attempt of a data-plane call is throttled. */
  throttle: number;
  /** Same seed and same sequence of calls per operation → same faults. */
  seed: number;
}

/** Counter names: `<service>.<what the caller sees>`. */
export type FaultKind =
  | 'DynamoDB.ProvisionedThroughputExceededException'
  | 'DynamoDB.ThrottlingException'
  | 'DynamoDB.UnprocessedKeys'
  | 'DynamoDB.UnprocessedItems'
  | 'Kinesis.ProvisionedThroughputExceededException'
  | 'Kinesis.LimitExceededException'
  | 'Kinesis.FailedRecords';

type ErrorClass = new (opts: { message: string; $metadata: object }) => Error;
const DYNAMODB_THROTTLES: [FaultKind, ErrorClass][] = [
  ['DynamoDB.ProvisionedThroughputExceededException', DynamoDbThroughputExceeded as ErrorClass],
  ['DynamoDB.ThrottlingException', DynamoDbThrottling as ErrorClass],
];
const KINESIS_SHARD_THROTTLE: [FaultKind, ErrorClass][] = [['Kinesis.ProvisionedThroughputExceededException', KinesisThroughputExceeded as ErrorClass]];
/** Data-plane operations only: provisioning (CreateTable, DescribeStreamSummary, ...) is not what load throttles. */
const THROTTLES: Record<string, [FaultKind, ErrorClass][]> = {
  ...Object.fromEntries(
    ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems'].map((op) => [`DynamoDB.${op}`, DYNAMODB_THROTTLES]),
  ),
  ...Object.fromEntries(['GetRecords', 'GetShardIterator', 'PutRecord', 'PutRecords'].map((op) => [`Kinesis.${op}`, KINESIS_SHARD_THROTTLE])),
  // ListShards is limited per stream/account, and Kinesis answers LimitExceededException.
  'Kinesis.ListShards': [['Kinesis.LimitExceededException', KinesisLimitExceeded as ErrorClass]],
};

const counts = new Map<FaultKind, number>();
let exitReport: string | undefined;

/**
 * Parses `EDDY_FAULTS` (`throttle=<p>,seed=<n>`; seed defaults to 1). Unset, empty, `off` or
 * throttle=0 mean no faults; anything malformed throws rather than silently testing nothing.
 *
 * @example
 * ```ts
 * parseFaultConfig('throttle=0.2,seed=7'); // { throttle: 0.2, seed: 7 }
 * ```
 */
export function parseFaultConfig(spec: string | undefined): FaultConfig | undefined {
  if (!spec?.trim() || spec.trim() === 'off') return undefined;
  const config: FaultConfig = { throttle: 0, seed: 1 };
  for (const part of spec.split(',')) {
    const [key, value, ...extra] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (extra.length > 0 || !value || !Number.isFinite(n)) throw new Error(`EDDY_FAULTS: expected key=number, got "${part}" (e.g. throttle=0.2,seed=7)`);
    if (key === 'throttle' && n >= 0 && n < 1) config.throttle = n;
    else if (key === 'seed' && Number.isInteger(n)) config.seed = n;
    else throw new Error(`EDDY_FAULTS: "${part}" is not throttle=<0..1) or seed=<integer>`);
  }
  return config.throttle > 0 ? config : undefined;
}

/**
 * Adds the fault middlewares to an SDK client's stack and returns the client; with no config
 * it returns the client untouched (zero overhead). Apply it to the `DynamoDBClient`: a
 * `DynamoDBDocumentClient.from(it)` shares its stack. Installs a process 'exit' hook that
 * writes the counters to stderr, so a CLI run shows that faults really happened.
 *
 * Each attempt of a data-plane call is throttled with probability `throttle`. For a batch
 * call that can be split (2+ keys, items or records), half of that rate is a partial result
 * (decided once per call) and half a thrown exception (per attempt).
 *
 * @example
 * ```ts
 * const dynamodb = withFaultInjection(new DynamoDBClient({}), { throttle: 0.2, seed: 7 });
 * ```
 */
export function withFaultInjection<C extends { middlewareStack: MiddlewareStack<any, any> }>(client: C, config: FaultConfig | undefined): C {
  if (!config || config.throttle <= 0) return client;
  const draws = new Map<string, number>();
  // The n-th call (attempt) of an operation draws from (seed, operation, layer, n): sequential
  // calls always get the same faults, and other operations' traffic cannot shift them.
  const random = (stream: string) => {
    const n = (draws.get(stream) ?? 0) + 1;
    draws.set(stream, n);
    return seededRandom(fnv1a(`${config.seed}/${stream}/${n}`));
  };

  const partial: InitializeMiddleware<any, any> = (next, context) => async (args) => {
    const op = operationOf(context);
    const splitter = SPLITTERS[op];
    const rng = splitter && random(`${op}/partial`);
    const split = rng && splitter.split(args.input, rng);
    if (!split) return next(args);
    context[SPLITTABLE] = true;
    if (rng() >= config.throttle / 2) return next(args);
    count(splitter.kind);
    const result = await next({ ...args, input: split.send });
    result.output = splitter.merge(result.output, split.hold, args.input);
    return result;
  };

  const throttle: FinalizeRequestMiddleware<any, any> = (next, context) => async (args) => {
    const op = operationOf(context);
    const errors = THROTTLES[op];
    if (!errors) return next(args);
    const rng = random(`${op}/throttle`);
    if (rng() >= (context[SPLITTABLE] ? config.throttle / 2 : config.throttle)) return next(args);
    const [kind, ErrorClass] = errors[Math.floor(rng() * errors.length)];
    count(kind);
    // Both names are in THROTTLING_ERROR_CODES (@smithy/core/retry): isThrottlingError() → errorType
    // THROTTLING → the standard strategy retries (up to maxAttempts) with the throttling backoff.
    throw new ErrorClass({ message: `${op} throttled (injected by EDDY_FAULTS)`, $metadata: { httpStatusCode: 400, requestId: `eddy-fault-${kind}` } });
  };

  client.middlewareStack.add(partial, { step: 'initialize', priority: 'low', name: 'eddyFaultPartial', override: true });
  client.middlewareStack.add(throttle, { step: 'finalizeRequest', priority: 'low', name: 'eddyFaultThrottle', override: true });
  if (exitReport === undefined) process.once('exit', () => writeSync(2, `eddy: injected faults (EDDY_FAULTS=${exitReport}) ${JSON.stringify(injectedFaults())}\n`));
  exitReport = `throttle=${config.throttle},seed=${config.seed}`;
  return client;
}

/**
 * Faults injected so far in this process, per kind (thrown exceptions, or calls answered partially).
 *
 * @example
 * ```ts
 * expect(injectedFaults()['Kinesis.FailedRecords']).toBeGreaterThan(0);
 * ```
 */
export function injectedFaults(): Partial<Record<FaultKind, number>> {
  return Object.fromEntries(counts);
}

/** Zeroes the counters (between tests). */
export function resetInjectedFaults(): void {
  counts.clear();
}

/** Context flag from the partial layer to the throttle layer: this call also has the partial fault. */
const SPLITTABLE = 'eddyFaultSplittable';

interface Splitter {
  kind: FaultKind;
  /** Undefined when the call cannot be split (fewer than 2 entries). */
  split(input: any, rng: () => number): { send: any; hold: any } | undefined;
  /** The real response plus the held-back part as AWS reports it. */
  merge(output: any, hold: any, input: any): any;
}

const SPLITTERS: Record<string, Splitter> = {
  'DynamoDB.BatchGetItem': {
    kind: 'DynamoDB.UnprocessedKeys',
    split(input, rng) {
      const tables = splitTables(mapValues(input.RequestItems ?? {}, (r: any) => r.Keys), rng);
      // Keep each table's ConsistentRead / projection on both halves.
      const rebuild = (keys: Record<string, unknown[]>) => mapValues(keys, (k, table) => ({ ...input.RequestItems[table], Keys: k }));
      return tables && { send: { ...input, RequestItems: rebuild(tables.send) }, hold: rebuild(tables.hold) };
    },
    merge: (output, hold) => ({ ...output, UnprocessedKeys: mergeTables(output.UnprocessedKeys, hold, (a: any, b: any) => ({ ...b, Keys: [...a.Keys, ...b.Keys] })) }),
  },
  'DynamoDB.BatchWriteItem': {
    kind: 'DynamoDB.UnprocessedItems',
    split(input, rng) {
      const tables = splitTables(input.RequestItems ?? {}, rng);
      return tables && { send: { ...input, RequestItems: tables.send }, hold: tables.hold };
    },
    merge: (output, hold) => ({ ...output, UnprocessedItems: mergeTables(output.UnprocessedItems, hold, (a: any[], b: any[]) => [...a, ...b]) }),
  },
  'Kinesis.PutRecords': {
    kind: 'Kinesis.FailedRecords',
    // A failing suffix: the shard budget ran out partway. Never an arbitrary subset, which
    // would reorder records that `putAll` callers sent in order (see docs/operations.md).
    split(input, rng) {
      const records: unknown[] = input.Records ?? [];
      if (records.length < 2) return undefined;
      const cut = 1 + Math.floor(rng() * (records.length - 1));
      return { send: { ...input, Records: records.slice(0, cut) }, hold: records.slice(cut) };
    },
    merge: (output, hold: unknown[], input) => ({
      ...output,
      FailedRecordCount: (output.FailedRecordCount ?? 0) + hold.length,
      Records: [
        ...(output.Records ?? []),
        ...hold.map(() => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: `Rate exceeded for stream ${input.StreamName ?? input.StreamARN} (injected by EDDY_FAULTS)` })),
      ],
    }),
  },
};

/** Holds back a random non-empty proper subset of the entries of all tables. */
function splitTables<T>(tables: Record<string, T[]>, rng: () => number): { send: Record<string, T[]>; hold: Record<string, T[]> } | undefined {
  const entries = Object.entries(tables).flatMap(([table, list]) => list.map((entry) => ({ table, entry, held: rng() < 0.5 })));
  if (entries.length < 2) return undefined;
  const held = entries.filter((e) => e.held).length;
  if (held === 0 || held === entries.length) entries[Math.floor(rng() * entries.length)].held = held === 0;
  const send: Record<string, T[]> = {};
  const hold: Record<string, T[]> = {};
  for (const { table, entry, held } of entries) ((held ? hold : send)[table] ??= []).push(entry);
  return { send, hold };
}

function mergeTables<T>(real: Record<string, T> | undefined, injected: Record<string, T>, join: (a: T, b: T) => T): Record<string, T> {
  const merged = { ...real };
  for (const [table, value] of Object.entries(injected)) merged[table] = merged[table] ? join(merged[table], value) : value;
  return merged;
}

function mapValues<A, B>(record: Record<string, A>, f: (value: A, key: string) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v, k)]));
}

/** `DynamoDB.BatchGetItem` from the context the SDK command sets (document client commands too). */
function operationOf(context: HandlerExecutionContext): string {
  return `${String(context.clientName).replace(/Client$/, '')}.${String(context.commandName).replace(/Command$/, '')}`;
}

function count(kind: FaultKind): void {
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

