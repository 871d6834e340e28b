/**
 * `npm run bench`: what eddy costs.
 *
 *   A. Engine throughput on the in-memory backend (MemoryStore + MemoryStreams, one process,
 *      one core): the keyed count over Zipf keys, and order-timeout over its generated stream.
 *   B. DynamoDB cost on DynamoDB Local: the keyed count through the Lambda handlers on the
 *      embedded stack, against a naive baseline (GetItem + PutItem of a counter per event).
 *   C. For the eddy runs: data records vs distinct keys per batch of the keyed stage, and the
 *      cost model (lib/cost/model.ts) applied to those batches next to what was measured.
 *   D. A projection by the same model: cost per 1k events by records per keyed batch.
 *   H. hot-items with and without window slicing, in memory (bench/hot-items.ts).
 *   S. cdc-split: side outputs against one filter pipeline per table, in memory (bench/cdc-split.ts).
 *   J. The interval join of order-join, in memory (bench/interval-join.ts).
 *   C$. $ per million events of every scenario job, eddy and the naive per-event design (bench/cost-all.ts).
 *   F$. Processing cost per hour of every stateful job on steady-rate inputs at 10, 100 and 1,000 events/s,
 *      against Managed Flink's smallest application (bench/cost-flink.ts).
 *   R. eddy replay on the embedded stack and with --engine memory (bench/replay-engines.ts).
 *   N. Nexmark q1–q5, q7, q8: throughput per core in memory, 1,000,000 events, against Flink's published figures (bench/nexmark.ts).
 *   N$. Nexmark: processing cost per hour of each query on a 1,000 events/s stream, against Managed Flink (bench/nexmark-cost.ts).
 *
 * Options: --skip-memory, --skip-local, --skip-hot-items, --skip-cdc-split, --skip-interval-join, --skip-cost, --skip-flink, --skip-replay,
 * --skip-nexmark, --skip-nexmark-cost (and the --nexmark-* / --nexmark-cost-* options of bench/nexmark.ts and bench/nexmark-cost.ts),
 * --memory-events=N, --orders=N, --local-events=N, --runs=N, --poll-ms=A[,B...] (poll interval(s) of the local
 * event source emulation); the --hot-items-* options of bench/hot-items.ts, the --cdc-* options of
 * bench/cdc-split.ts, the --interval-join-* options of bench/interval-join.ts, the --cost-* options of
 * bench/cost-all.ts, the --flink-* options of bench/cost-flink.ts and the --replay-* options of bench/replay-engines.ts.
 * See docs/benchmarks.md for the method and recorded results.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import orderTimeoutJob from '../functions/order-timeout/job.ts';
import { createClients } from '../lib/aws/config.ts';
import { DynamoDbStore } from '../lib/aws/dynamodb-store.ts';
import { startLocalStack, type LocalStack } from '../lib/local/emulators.ts';
import type { StageInvoker } from '../lib/local/event-source-runner.ts';
import { replayInMemory } from '../lib/local/in-memory.ts';
import { openLocalJob } from '../lib/local/local-job.ts';
import { replayJob } from '../lib/local/replay.ts';
import { hashKeyOf } from '../lib/plan/partitioning.ts';
import { resourceNames } from '../lib/plan/plan.ts';
import type { BatchResult } from '../lib/runtime/batch.ts';
import { decodeEnvelopes } from '../lib/runtime/envelope.ts';
import type { StoreStats } from '../lib/state/store.ts';
import { expectedOrderTimeout } from '../test/scenario/order-timeout/oracle.ts';
import { generateOrderStream } from '../test/scenario/order-timeout/generator.ts';
import { benchCdcSplit } from './cdc-split.ts';
import { benchCostAll } from './cost-all.ts';
import { benchCostFlink } from './cost-flink.ts';
import { benchReplayEngines } from './replay-engines.ts';
import { benchNexmark } from './nexmark.ts';
import { benchNexmarkCost } from './nexmark-cost.ts';
import { benchIntervalJoin } from './interval-join.ts';
import { addCosts, batchCost, naiveCost } from '../lib/cost/model.ts';
import { DynamoMeter } from './dynamo-meter.ts';
import { benchHotItems } from './hot-items.ts';
import keyedCountJob, { EMIT_EVERY } from './jobs/keyed-count.ts';
import { zipfEvents, type KeyedEvent } from './zipf.ts';
import { fmt, machineLine, note, out, table, median } from './report.ts';

// ---------------------------------------------------------------------------------------------
// Settings

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const int = (name: string, fallback: number) => {
  const value = Number(option(name, String(fallback)));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} takes a positive integer`);
  return value;
};

const ZIPF = { n: 10_000, s: 1.1 };
const SETTINGS = {
  memoryEvents: int('memory-events', 200_000),
  orders: int('orders', 20_000),
  runs: int('runs', 3),
  localEvents: int('local-events', 5_000),
  /**
   * Poll interval of an idle shard in the event source emulation: 20 ms is replayJob's default, 1000 ms what Lambda's
   * event source mapping does (about one GetRecords per second per shard). It decides how full the keyed batches are.
   */
  pollMs: option('poll-ms', '20,200,1000')
    .split(',')
    .map((v) => {
      const ms = Number(v);
      if (!Number.isSafeInteger(ms) || ms <= 0) throw new Error('--poll-ms takes positive integers, comma-separated');
      return ms;
    }),
  seed: 20261124,
};

const KEYED_STAGE = 'keyed-count';

// ---------------------------------------------------------------------------------------------
// Output helpers (the tables themselves: report.ts)

const per1k = (n: number, events: number) => (n * 1000) / events;

function machine(): void {
  out(machineLine());
}

// ---------------------------------------------------------------------------------------------
// A. Engine throughput, in memory

/** Sink outputs the keyed count must produce: one per key per multiple of EMIT_EVERY. */
function expectedCounts(events: KeyedEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  return counts;
}

interface MemoryResult {
  name: string;
  events: number;
  ms: number[];
  check: string;
  stats: StoreStats;
  /** Batches (commits) of the keyed stages, from their checkpoint versions. */
  keyedBatches: number;
}

/** Commits of every keyed stage shard = its checkpoint's version (one commit per batch). */
function keyedBatchCount(r: Awaited<ReturnType<typeof replayInMemory>>): number {
  const keyed = new Set(r.plan.stages.filter((s) => s.kind === 'keyed').map((s) => `c#${s.id}`));
  return r.store
    .dump('state')
    .filter((item) => keyed.has(item.pk))
    .reduce((sum, item) => sum + Number(item.attrs.version), 0);
}

async function timeInMemory(
  name: string,
  job: typeof keyedCountJob,
  inputs: Record<string, string[]>,
  events: number,
  check: (r: Awaited<ReturnType<typeof replayInMemory>>) => string,
): Promise<MemoryResult> {
  note(`${name}: warm-up run (${fmt(events)} events)`);
  const warm = await replayInMemory(job, inputs, { processingTime: 'event' });
  const verdict = check(warm);
  const ms: number[] = [];
  let stats = warm.store.stats();
  let keyedBatches = keyedBatchCount(warm);
  for (let i = 0; i < SETTINGS.runs; i++) {
    const t0 = performance.now();
    const r = await replayInMemory(job, inputs, { processingTime: 'event' });
    ms.push(performance.now() - t0);
    stats = r.store.stats();
    keyedBatches = keyedBatchCount(r);
    note(`${name}: run ${i + 1}/${SETTINGS.runs} ${fmt(ms[i])} ms`);
  }
  return { name, events, ms, check: verdict, stats, keyedBatches };
}

async function benchMemory(): Promise<void> {
  const keyed = zipfEvents(SETTINGS.memoryEvents, { ...ZIPF, seed: SETTINGS.seed });
  const keyedLines = keyed.map((e) => JSON.stringify(e));
  const counts = expectedCounts(keyed);
  const expectedEmits = [...counts.values()].reduce((sum, c) => sum + Math.floor(c / EMIT_EVERY), 0);

  const orders = generateOrderStream({ seed: SETTINGS.seed, orders: SETTINGS.orders });
  const orderLines = orders.map((o) => JSON.stringify(o));
  const oracle = expectedOrderTimeout(orders);

  const results = [
    await timeInMemory(`keyed count (Zipf s=${ZIPF.s}, ${fmt(counts.size)} distinct of ${fmt(ZIPF.n)} keys)`, keyedCountJob, { events: keyedLines }, keyed.length, (r) => {
      const emitted = r.sinks.values('counts').length;
      return r.deadLetters.length === 0 && emitted === expectedEmits ? `ok (${emitted} sink records)` : `MISMATCH: ${emitted} sink records, expected ${expectedEmits}; ${r.deadLetters.length} dead letters`;
    }),
    await timeInMemory(`order-timeout (${fmt(SETTINGS.orders)} orders)`, orderTimeoutJob, { orders: orderLines }, orders.length, (r) => {
      const got = [r.sinks.values('paid').length, r.sinks.values('timeouts').length, r.sinks.values('late-payments').length];
      const want = [oracle.paid.length, oracle.timeouts.length, oracle.latePayments.length];
      const same = got.every((g, i) => g === want[i]) && r.deadLetters.length === 0;
      return same ? `ok (paid/timeouts/late = ${got.join('/')})` : `MISMATCH: ${got.join('/')} vs oracle ${want.join('/')}; ${r.deadLetters.length} dead letters`;
    }),
  ];

  out();
  out(`A. Engine throughput, in-memory backend (single Node process; 1 warm-up + median of ${SETTINGS.runs} runs; batches and requests of the last run)`);
  table(
    ['job', 'events', 'wall ms (median)', 'min..max ms', 'events/s', 'keyed batches', 'store requests/1k ev', 'check'],
    results.map((r) => {
      const m = median(r.ms);
      return [r.name, fmt(r.events), fmt(m), `${fmt(Math.min(...r.ms))}..${fmt(Math.max(...r.ms))}`, fmt(r.events / (m / 1000)), fmt(r.keyedBatches), fmt(per1k(r.stats.requests, r.events), 1), r.check];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// B + C. DynamoDB cost on DynamoDB Local

interface CostRow {
  name: string;
  events: number;
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** By DynamoDB's published rules (DynamoMeter): DynamoDB Local under-reports transactions. */
  modelReadUnits: number;
  modelWriteUnits: number;
  /** Keys BatchGetItem / GetItem asked for and did not find (see the caveat in the docs). */
  missingReads: number;
  seconds: number;
}

interface BatchShape {
  pollMs: number;
  keyedBatches: number;
  keyedDataBatches: number;
  dataRecords: number;
  distinctKeys: number;
  kinesisRecords: number;
  sourceBatches: number;
  statePuts: number;
  maxDistinct: number;
  maxData: number;
  /** Distinct keys of each successful keyed invocation (0 for batches of watermarks / end markers only). */
  keysPerBatch: number[];
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function eddyLocalRun(stack: LocalStack, events: KeyedEvent[], pollMs: number, runId: string) {
  const prefix = `bench-${runId}-`;
  const job = keyedCountJob;
  const results: BatchResult[] = [];
  const local = await openLocalJob(job, { endpoints: stack.endpoints, prefix, processingTime: 'event', onBatch: (r) => results.push(r) });
  const { plan, services } = local;
  const meter = new DynamoMeter().attach(services.clients.dynamodb);
  const before = services.store.stats();
  if (before.requests !== 0) note(`store counted ${before.requests} requests before the run (provisioning?); subtracted`);

  // replayJob polls checkpoints (allEnded) and reads dead letters through `services.store`: give it a
  // store of its own, on its own client, so that the engine's store and the meter see only what the
  // stage handlers (the Lambdas) do.
  const replayClients = createClients(services.target);
  const tables = { state: prefix + resourceNames.stateTable(plan.job), 'dead-letter': prefix + resourceNames.deadLetterTable(plan.job) };
  const replayStore = new DynamoDbStore(replayClients.documents, tables);

  // Per invocation of the keyed stage: data envelopes and their distinct keys, kept only if the
  // invocation succeeded (a retried batch is delivered again and would be counted twice).
  const shape: BatchShape = { pollMs, keyedBatches: 0, keyedDataBatches: 0, dataRecords: 0, distinctKeys: 0, kinesisRecords: 0, sourceBatches: 0, statePuts: 0, maxDistinct: 0, maxData: 0, keysPerBatch: [] };
  let failedInvocations = 0;
  const invoke: StageInvoker = async (stageId, shardId, stream, records) => {
    let data = 0;
    const keys = new Set<string>();
    if (stageId === KEYED_STAGE) {
      for (const record of records) {
        try {
          for (const e of decodeEnvelopes(record.data).envelopes) if (e.kind === 'data') (data++, keys.add(e.key));
        } catch {
          // the stage dead-letters it; nothing to count
        }
      }
    }
    let response;
    try {
      response = await local.invoke(stageId, shardId, stream, records);
    } catch (error) {
      failedInvocations++;
      throw error;
    }
    if (response.retryFrom !== undefined) failedInvocations++;
    else if (stageId === KEYED_STAGE) {
      shape.keyedBatches++;
      shape.kinesisRecords += records.length;
      shape.keysPerBatch.push(keys.size);
      if (data > 0) {
        shape.keyedDataBatches++;
        shape.dataRecords += data;
        shape.distinctKeys += keys.size;
        shape.maxDistinct = Math.max(shape.maxDistinct, keys.size);
        shape.maxData = Math.max(shape.maxData, data);
      }
    } else shape.sourceBatches++;
    return response;
  };

  const t0 = performance.now();
  const deadLetters = await replayJob({
    job,
    plan,
    inputs: { events: events.map((e) => JSON.stringify(e)) },
    services: { ...services, store: replayStore },
    reader: local.reader,
    invoke,
    pollIntervalMs: pollMs,
    timeoutMs: 240_000,
  });
  const seconds = (performance.now() - t0) / 1000;
  const stats = services.store.stats();
  const metered = meter.totals();

  // Correctness: every key's count in the state table equals its count in the input. Read by a
  // Scan (outside the meter) rather than by building item keys, so that the check does not depend
  // on how the engine encodes keys into partitions (`s#<operator>#<key>`, the key raw or as JSON).
  const expected = expectedCounts(events);
  const keys = [...expected.keys()];
  const found = new Map<string, number>();
  const partitionPrefix = `s#${KEYED_STAGE}#`;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await replayClients.documents.send(new ScanCommand({ TableName: tables.state, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const row of page.Items ?? []) {
      const pk = String(row.pk);
      if (!pk.startsWith(partitionPrefix) || !String(row.sk).startsWith('count#')) continue;
      found.set(decodeStateKey(pk.slice(partitionPrefix.length)), JSON.parse(String(row.v)) as number);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  const wrong = keys.filter((k) => found.get(k) !== expected.get(k)).length;
  const dataIn = results.filter((r) => r.stage === KEYED_STAGE).reduce((s, r) => s + r.dataIn, 0);
  const check =
    wrong === 0 && deadLetters.length === 0 && dataIn === events.length && shape.dataRecords === events.length
      ? `ok (${fmt(keys.length)} keys, counts match)`
      : `MISMATCH: ${wrong} of ${keys.length} counts wrong (${found.size} state items), ${deadLetters.length} dead letters, ${dataIn} records processed, ${shape.dataRecords} counted`;
  if (failedInvocations > 0) note(`eddy run (poll ${pollMs} ms): ${failedInvocations} failed invocations were retried`);

  // State puts = items written minus one checkpoint per commit (TransactWriteItems or the fenced PutItem).
  const commits = (meter.operations.get('TransactWriteItems')?.requests ?? 0) + (meter.operations.get('PutItem')?.requests ?? 0);
  shape.statePuts = metered.itemsWritten - commits;

  for (const clients of [replayClients, services.clients]) {
    clients.dynamodb.destroy();
    clients.kinesis.destroy();
  }
  const cost: CostRow = {
    name: `eddy (poll ${pollMs} ms)`,
    events: events.length,
    requests: stats.requests - before.requests,
    readUnits: stats.readUnits - before.readUnits,
    writeUnits: stats.writeUnits - before.writeUnits,
    modelReadUnits: metered.modelReadUnits,
    modelWriteUnits: metered.modelWriteUnits,
    missingReads: (meter.operations.get('BatchGetItem')?.keysRequested ?? 0) - (meter.operations.get('BatchGetItem')?.itemsReturned ?? 0),
    seconds,
  };
  // The cost model (lib/cost/model.ts) applied to the batches this run had, plus its timer queries.
  const query = meter.operations.get('Query');
  const predicted = addCosts([...shape.keysPerBatch.map((k) => batchCost(k)), ...Array.from({ length: shape.sourceBatches }, () => batchCost(0))]);
  predicted.requests += query?.requests ?? 0;
  predicted.readUnits += query?.model ?? 0;
  return { cost, shape, meter, metered, check, predicted, failedInvocations, unreported: metered.unreported };
}

/** A key as it appears in a state partition: raw, or in its JSON form. */
function decodeStateKey(encoded: string): string {
  try {
    const decoded: unknown = JSON.parse(encoded);
    if (typeof decoded === 'string' || typeof decoded === 'number') return String(decoded);
  } catch {
    // not JSON: the raw key
  }
  return encoded;
}

async function naiveRun(stack: LocalStack, events: KeyedEvent[], runId: string) {
  const tableName = `bench-${runId}-naive-counter`;
  const client = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1', credentials: localCredentials, maxAttempts: 8 });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  const meter = new DynamoMeter().attach(client);
  const documents = DynamoDBDocumentClient.from(client);
  let requests = 0;
  let readUnits = 0;
  let writeUnits = 0;
  let missing = 0;
  const t0 = performance.now();
  for (const e of events) {
    const got = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: e.key }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    requests++;
    readUnits += got.ConsumedCapacity?.CapacityUnits ?? 0;
    if (!got.Item) missing++;
    const count = ((got.Item?.count as number | undefined) ?? 0) + 1;
    const put = await documents.send(new PutCommand({ TableName: tableName, Item: { pk: e.key, count }, ReturnConsumedCapacity: 'TOTAL' }));
    requests++;
    writeUnits += put.ConsumedCapacity?.CapacityUnits ?? 0;
  }
  const seconds = (performance.now() - t0) / 1000;
  const metered = meter.totals();

  // Same check as for eddy, with a client outside the meter.
  const checker = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1', credentials: localCredentials }));
  const expected = expectedCounts(events);
  const keys = [...expected.keys()];
  let wrong = 0;
  for (let i = 0; i < keys.length; i += 100) {
    const response = await checker.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys.slice(i, i + 100).map((pk) => ({ pk })), ConsistentRead: true } } }));
    const rows = response.Responses?.[tableName] ?? [];
    wrong += keys.slice(i, i + 100).length - rows.filter((r) => r.count === expected.get(r.pk as string)).length;
  }
  checker.destroy();
  client.destroy();
  const cost: CostRow = {
    name: 'naive Get+Put per event',
    events: events.length,
    requests,
    readUnits,
    writeUnits,
    modelReadUnits: metered.modelReadUnits,
    modelWriteUnits: metered.modelWriteUnits,
    missingReads: missing,
    seconds,
  };
  const agrees = metered.requests === requests && metered.readUnits === readUnits && metered.writeUnits === writeUnits;
  return { cost, metered, agrees, unreported: metered.unreported, check: wrong === 0 ? `ok (${fmt(keys.length)} keys, counts match)` : `MISMATCH: ${wrong} wrong counts` };
}

async function benchLocal(): Promise<void> {
  const events = zipfEvents(SETTINGS.localEvents, { ...ZIPF, seed: SETTINGS.seed + 1 });
  const distinct = new Set(events.map((e) => e.key)).size;
  note('starting the embedded stack (DynamoDB Local + kinesis-mock)');
  const stack = await startLocalStack();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    note(`${signal}: stopping the local stack`);
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const runId = `${process.pid}-${Date.now().toString(36)}`;
    const eddyRuns: Awaited<ReturnType<typeof eddyLocalRun>>[] = [];
    for (const pollMs of SETTINGS.pollMs) {
      note(`eddy on the local stack: ${fmt(events.length)} events, poll interval ${pollMs} ms`);
      eddyRuns.push(await eddyLocalRun(stack, events, pollMs, `${runId}-p${pollMs}`));
    }
    note(`naive baseline: ${fmt(events.length)} × (GetItem + PutItem)`);
    const naive = await naiveRun(stack, events, runId);

    out();
    out(`B. DynamoDB cost per 1,000 events on DynamoDB Local — keyed count, ${fmt(events.length)} events, Zipf s=${ZIPF.s} over ${fmt(ZIPF.n)} keys (${fmt(distinct)} distinct)`);
    out('   "Local" = ConsumedCapacity as DynamoDB Local reports it (for eddy: services.store.stats()).');
    out('   "rules" = computed from item sizes by the published rules: TransactWriteItems 2 × ⌈size/1 KB⌉ per item (Local reports a');
    out('   flat 4 per table per transaction), a key read that finds nothing 1 RCU (Local: 0 in BatchGetItem and Query; upper bound).');
    const rows = [...eddyRuns.map((r) => r.cost), naive.cost];
    table(
      ['run', 'requests', 'RCU Local', 'RCU rules', 'WCU Local', 'WCU rules', 'missing-key reads', 'wall s', 'check'],
      rows.map((c, i) => [
        c.name,
        fmt(per1k(c.requests, c.events), 1),
        fmt(per1k(c.readUnits, c.events), 1),
        fmt(per1k(c.modelReadUnits, c.events), 1),
        fmt(per1k(c.writeUnits, c.events), 1),
        fmt(per1k(c.modelWriteUnits, c.events), 1),
        fmt(per1k(c.missingReads, c.events), 1),
        fmt(c.seconds, 1),
        i < eddyRuns.length ? eddyRuns[i].check : naive.check,
      ]),
    );
    out();
    out('   eddy / naive (units by the rules; in brackets: as DynamoDB Local reports them)');
    const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${(a / b).toFixed(3)}×`);
    table(
      ['run', 'requests', 'RCU', 'WCU', 'RCU + WCU', 'on-demand $ (1 WRU = 5 RRU)'],
      eddyRuns.map(({ cost: c }) => {
        const n = naive.cost;
        const both = (model: [number, number], local: [number, number]) => `${ratio(...model)} [${ratio(...local)}]`;
        return [
          c.name,
          ratio(c.requests, n.requests),
          both([c.modelReadUnits, n.modelReadUnits], [c.readUnits, n.readUnits]),
          both([c.modelWriteUnits, n.modelWriteUnits], [c.writeUnits, n.writeUnits]),
          both([c.modelReadUnits + c.modelWriteUnits, n.modelReadUnits + n.modelWriteUnits], [c.readUnits + c.writeUnits, n.readUnits + n.writeUnits]),
          both([c.modelReadUnits + 5 * c.modelWriteUnits, n.modelReadUnits + 5 * n.modelWriteUnits], [c.readUnits + 5 * c.writeUnits, n.readUnits + 5 * n.writeUnits]),
        ];
      }),
    );

    out();
    out('   eddy by operation (stage handlers only), per 1k events');
    table(
      ['run', 'operation', 'requests', 'units Local', 'units rules', 'items'],
      eddyRuns.flatMap((r) =>
        [...r.meter.operations.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([o, c]) => {
            const k = (n: number) => fmt(per1k(n, r.cost.events), 1);
            const items = o === 'BatchGetItem' ? `${k(c.itemsReturned)} found of ${k(c.keysRequested)}` : o === 'Query' ? `${k(c.itemsReturned)} found` : `${k(c.itemsWritten)} written`;
            return [r.cost.name, o, k(c.requests), k(c.units), k(c.model), items];
          }),
      ),
    );

    out();
    out('C. Batches of the eddy run (keyed stage; a Kinesis record on an internal stream aggregates the envelopes of one upstream batch)');
    table(
      ['run', 'source batches', 'keyed batches (with data)', 'Kinesis rec/batch', 'data rec/batch', 'distinct keys/batch', 'keys/rec', 'state puts/batch', 'max rec / keys'],
      eddyRuns.map(({ cost, shape: s }) => [
        cost.name,
        fmt(s.sourceBatches),
        `${fmt(s.keyedBatches)} (${fmt(s.keyedDataBatches)})`,
        fmt(s.kinesisRecords / Math.max(1, s.keyedBatches), 1),
        fmt(s.dataRecords / Math.max(1, s.keyedDataBatches), 1),
        fmt(s.distinctKeys / Math.max(1, s.keyedDataBatches), 1),
        (s.distinctKeys / Math.max(1, s.dataRecords)).toFixed(3),
        fmt(s.statePuts / Math.max(1, s.keyedDataBatches), 1),
        `${fmt(s.maxData)} / ${fmt(s.maxDistinct)}`,
      ]),
    );

    out();
    out('   cost model (lib/cost/model.ts) applied to the batches above, vs measured (units by the rules), per 1k events');
    table(
      ['run', 'requests model / measured', 'RCU model / measured', 'WCU model / measured'],
      eddyRuns.map(({ cost: c, predicted: p }) => [
        c.name,
        `${fmt(per1k(p.requests, c.events), 1)} / ${fmt(per1k(c.requests, c.events), 1)}`,
        `${fmt(per1k(p.readUnits, c.events), 1)} / ${fmt(per1k(c.modelReadUnits, c.events), 1)}`,
        `${fmt(per1k(p.writeUnits, c.events), 1)} / ${fmt(per1k(c.modelWriteUnits, c.events), 1)}`,
      ]),
    );

    const problems: string[] = [];
    for (const r of eddyRuns) if (r.failedInvocations > 0) problems.push(`${r.cost.name}: ${r.failedInvocations} invocations failed and were retried (their cost is in the totals)`);
    for (const r of eddyRuns) {
      if (r.unreported > 0) problems.push(`${r.cost.name}: ${r.unreported} requests came back without ConsumedCapacity`);
      if (r.metered.requests !== r.cost.requests || r.metered.readUnits !== r.cost.readUnits || r.metered.writeUnits !== r.cost.writeUnits) {
        problems.push(`${r.cost.name}: store stats (${r.cost.requests} req, ${r.cost.readUnits} RCU, ${r.cost.writeUnits} WCU) differ from the meter (${r.metered.requests} req, ${r.metered.readUnits} RCU, ${r.metered.writeUnits} WCU)`);
      }
    }
    if (naive.unreported > 0) problems.push(`naive: ${naive.unreported} requests came back without ConsumedCapacity`);
    if (!naive.agrees) problems.push('naive: own counts differ from the meter');
    out();
    out(problems.length === 0 ? 'accounting: every request returned ConsumedCapacity; store stats and the request meter agree' : `accounting problems:\n  ${problems.join('\n  ')}`);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    note('stopping the embedded stack');
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// D. Projection: cost per 1k events as a function of how full the keyed batches are

function projection(): void {
  const events = zipfEvents(SETTINGS.memoryEvents, { ...ZIPF, seed: SETTINGS.seed });
  // Two shards split the hash space evenly (parallelism 2): shard 0 holds hash keys below 2^127.
  const half = 1n << 127n;
  const shardOf = new Map<string, number>();
  const shards: string[][] = [[], []];
  for (const e of events) {
    let shard = shardOf.get(e.key);
    if (shard === undefined) shardOf.set(e.key, (shard = hashKeyOf(e.key) < half ? 0 : 1));
    shards[shard].push(e.key);
  }
  const naive = naiveCost(1000);
  const sourceBatchesPer1k = 1000 / keyedCountJob.graph.options.batchSize;
  const source = addCosts(Array.from({ length: sourceBatchesPer1k }, () => batchCost(0)));
  const rows: (string | number)[][] = [];
  for (const size of [10, 25, 50, 75, 100, 150, 200, 300, 500, 1000, 2500, 5000]) {
    let batches = 0;
    let records = 0;
    let keys = 0;
    const costs = [];
    for (const keysOfShard of shards) {
      // Whole batches only, so that every batch has `size` records.
      for (let i = 0; i + size <= keysOfShard.length; i += size) {
        const k = new Set(keysOfShard.slice(i, i + size)).size;
        batches++;
        records += size;
        keys += k;
        costs.push(batchCost(k));
      }
    }
    const keyed = addCosts(costs);
    const scale = 1000 / records;
    const total = { requests: keyed.requests * scale + source.requests, readUnits: keyed.readUnits * scale + source.readUnits, writeUnits: keyed.writeUnits * scale + source.writeUnits };
    const transactional = costs.filter((c) => c.transactional).length;
    rows.push([
      fmt(size),
      fmt(keys / batches, 1),
      (keys / records).toFixed(3),
      transactional === costs.length ? 'transaction' : transactional === 0 ? 'batch write' : `mixed (${Math.floor((100 * transactional) / costs.length)}% tx)`,
      fmt(total.requests, 1),
      fmt(total.readUnits, 1),
      fmt(total.writeUnits, 1),
      `${((total.readUnits + total.writeUnits) / (naive.readUnits + naive.writeUnits)).toFixed(3)}×`,
      `${((total.readUnits + 5 * total.writeUnits) / (naive.readUnits + 5 * naive.writeUnits)).toFixed(3)}×`,
    ]);
  }
  out();
  out(`D. Projection (cost model, not a run): eddy per 1k events by data records per keyed batch and shard — ${fmt(events.length)} Zipf events, 2 shards;`);
  out(`   source batches of ${keyedCountJob.graph.options.batchSize} records; naive = ${fmt(naive.requests)} requests, ${fmt(naive.readUnits)} RCU, ${fmt(naive.writeUnits)} WCU`);
  table(['records/batch', 'distinct keys/batch', 'keys/rec', 'commit', 'requests', 'RCU', 'WCU', 'RCU+WCU vs naive', '$ vs naive (WRU = 5 RRU)'], rows);
}

// ---------------------------------------------------------------------------------------------

const started = performance.now();
out(`eddy bench — ${new Date().toISOString()}`);
machine();
out(`settings: ${JSON.stringify({ ...SETTINGS, zipf: ZIPF })}`);
if (!flag('skip-memory')) await benchMemory();
if (!flag('skip-local')) await benchLocal();
projection();
if (!flag('skip-hot-items')) await benchHotItems(args);
if (!flag('skip-cdc-split')) await benchCdcSplit(args);
if (!flag('skip-interval-join')) await benchIntervalJoin(args);
if (!flag('skip-cost')) await benchCostAll(args);
if (!flag('skip-flink')) await benchCostFlink(args);
if (!flag('skip-replay')) await benchReplayEngines(args);
if (!flag('skip-nexmark')) await benchNexmark(args);
if (!flag('skip-nexmark-cost')) await benchNexmarkCost(args);
out();
out(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
