/**
 * What the DynamoDB store charges per batch, written down from `lib/aws/dynamodb-store.ts`,
 * `lib/runtime/batch.ts` and DynamoDB's published rules, for items under 1 KB (state items
 * and checkpoints of the keyed count are):
 *
 * - every batch reads its checkpoint (BatchGetItem, 1 RCU) and commits it (alone: a
 *   conditional PutItem, 1 WCU);
 * - a keyed batch with k distinct keys preloads them (⌈k/100⌉ BatchGetItem, k RCU: a key
 *   that is not there yet is charged the minimum read as well) and writes k state items;
 * - a batch with k changes commits the cheapest way (lib/runtime/commit.ts): one
 *   TransactWriteItems at 2 WCU per item (k + 1 ≤ 100); the fenced checkpoint carrying the redo
 *   log of the k items (1 WCU per KB of checkpoint and log, paid again by the next checkpoint
 *   write, counted at most twice), then the k items applied with ⌈k/100⌉ writeBatch calls of
 *   ⌈·/25⌉ BatchWriteItem each at 1 WCU per item; or the log in a part item (1 WCU per KB),
 *   the checkpoint with a reference to it, the items applied, and the checkpoint put again
 *   without the reference. Ties go to fewer requests.
 *
 * Left out: the timer queries of a shard's first batch (a handful per run), sink writes
 * (Kinesis) and dead letters.
 */

/** TransactWriteItems limit; above it commit.ts commits through a redo log. */
export const MAX_TRANSACTION_ITEMS = 100;

export interface BatchCost {
  requests: number;
  readUnits: number;
  writeUnits: number;
  transactional: boolean;
}

/** Cost of one batch that writes `dirtyItems` items besides its checkpoint and preloads `keys` keys. */
export function batchCost(keys: number, dirtyItems = keys, itemBytes = ITEM_BYTES): BatchCost {
  const preload = keys === 0 ? 0 : Math.ceil(keys / 100);
  const base = { readUnits: 1 + keys };
  if (dirtyItems === 0) return { ...base, requests: 1 + preload + 1, writeUnits: 1, transactional: true };
  const applyRequests = Array.from({ length: Math.ceil(dirtyItems / 100) }, (_, i) => Math.ceil(Math.min(100, dirtyItems - i * 100) / 25)).reduce((a, b) => a + b, 0);
  const logBytes = dirtyItems * itemBytes;
  const inlineUnits = Math.ceil((CHECKPOINT_BYTES + logBytes) / 1024);
  const ways = [
    { requests: 1, writeUnits: dirtyItems + 1 <= MAX_TRANSACTION_ITEMS ? 2 * (dirtyItems + 1) : Infinity, transactional: true },
    { requests: 1 + applyRequests, writeUnits: inlineUnits + dirtyItems + 2 * (inlineUnits - 1), transactional: false },
    { requests: 3 + applyRequests, writeUnits: Math.ceil((logBytes + PART_OVERHEAD_BYTES) / 1024) + 1 + dirtyItems + 1, transactional: false },
  ];
  const best = ways.reduce((a, b) => (b.writeUnits < a.writeUnits ? b : a));
  return { ...base, requests: 1 + preload + best.requests, writeUnits: best.writeUnits, transactional: best.transactional };
}

/**
 * Size of a keyed-count state item as the redo log holds it (JSON of table, pk, sk, attrs; commit.ts
 * deflates the log, so the log terms here are an upper bound), and of a checkpoint.
 */
const ITEM_BYTES = 110;
const CHECKPOINT_BYTES = 600;
/** A redo part item's keys and expiry besides its log. */
const PART_OVERHEAD_BYTES = 300;

export function addCosts(costs: BatchCost[]): Omit<BatchCost, 'transactional'> {
  return costs.reduce((sum, c) => ({ requests: sum.requests + c.requests, readUnits: sum.readUnits + c.readUnits, writeUnits: sum.writeUnits + c.writeUnits }), {
    requests: 0,
    readUnits: 0,
    writeUnits: 0,
  });
}

/** The naive baseline: GetItem (strongly consistent, 1 RCU) + PutItem (1 WCU) per event. */
export function naiveCost(events: number): Omit<BatchCost, 'transactional'> {
  return { requests: 2 * events, readUnits: events, writeUnits: events };
}

// ---------------------------------------------------------------------------------------------
// Money: what reading a stream costs (bench/cdc-split.ts)

/**
 * List prices in USD, us-east-1, that the $ estimates use (docs/benchmarks.md names the sources;
 * /work/shared/COST.md): Lambda per request and per GB-second (arm64, as deployed); DynamoDB on-demand per read
 * and write request unit, and storage per GB-month; Kinesis on-demand per GB retrieved and per
 * GB ingested (each record rounded up to 1 KB), per stream-hour; enhanced fan-out (provisioned
 * mode) per consumer-shard-hour and per GB retrieved; provisioned mode per shard-hour and per
 * PUT payload unit (25 KB); CloudWatch Logs ingestion per GB and a custom metric per month
 * (the first 10,000); Managed Service for Apache Flink per KPU-hour, the KPUs of its
 * smallest application (one for the application, one for orchestration), and its running
 * storage (50 GB per application KPU, per GB-month). GB = 2^30 bytes; a month is 730 hours
 * (AWS's convention for monthly prices).
 */
export const PRICES = {
  lambdaRequest: 0.2 / 1e6,
  /** arm64 (Graviton), as serverless.yml deploys every function; x86_64 is $0.0000166667. */
  lambdaGbSecond: 0.0000133334,
  dynamoReadUnit: 0.125 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  kinesisOnDemandReadGb: 0.04,
  kinesisOnDemandWriteGb: 0.08,
  kinesisOnDemandStreamHour: 0.04,
  kinesisEfoConsumerShardHour: 0.015,
  kinesisEfoReadGb: 0.013,
  kinesisShardHour: 0.015,
  kinesisPutPayloadUnit: 0.014 / 1e6,
  dynamoStorageGbMonth: 0.25,
  cloudWatchLogsIngestGb: 0.5,
  cloudWatchMetricMonth: 0.3,
  flinkKpuHour: 0.11,
  flinkSmallestApplicationKpus: 2,
  flinkRunningStorageGbMonth: 0.1,
  flinkRunningStorageGbPerKpu: 50,
  hoursPerMonth: 730,
} as const;

export type Prices = { [K in keyof typeof PRICES]: number };

/** What the consumers of one stream did: Lambda invocations (one batch each) and what they read. */
export interface ReadPathUsage {
  invocations: number;
  /** Billed Lambda time of all invocations, ms. */
  lambdaMs: number;
  memoryMb: number;
  /** Bytes of the records read, summed over consumers. */
  bytesRead: number;
  /** Event source mappings (consumers) on the stream, for enhanced fan-out. */
  consumers: number;
  /** Shard-hours the stream was read for (per consumer). */
  shardHours: number;
}

export interface ReadPathCost {
  lambdaRequests: number;
  lambdaDuration: number;
  /** A source batch reads its checkpoint and commits it ({@link batchCost}(0)), in DynamoDB on-demand. */
  checkpoints: number;
  /** Kinesis on-demand mode: data retrieved (standard consumers). */
  kinesisOnDemandReads: number;
  /** Provisioned mode with every consumer on enhanced fan-out: consumer-shard-hours + data retrieved. */
  enhancedFanOut: number;
}

/** Dollars for a read path, by component (nothing here is shared between components: add what applies). */
export function readPathCost(u: ReadPathUsage, prices: Prices = PRICES): ReadPathCost {
  const checkpoint = batchCost(0);
  const gb = u.bytesRead / 2 ** 30;
  return {
    lambdaRequests: u.invocations * prices.lambdaRequest,
    lambdaDuration: (u.lambdaMs / 1000) * (u.memoryMb / 1024) * prices.lambdaGbSecond,
    checkpoints: u.invocations * (checkpoint.readUnits * prices.dynamoReadUnit + checkpoint.writeUnits * prices.dynamoWriteUnit),
    kinesisOnDemandReads: gb * prices.kinesisOnDemandReadGb,
    enhancedFanOut: u.consumers * u.shardHours * prices.kinesisEfoConsumerShardHour + gb * prices.kinesisEfoReadGb,
  };
}
