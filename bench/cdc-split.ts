/**
 * cdc-split: one pass with side outputs against one filter pipeline per table, on the in-memory
 * backend (part of `npm run bench`, or alone: `node bin/run-ts.mjs bench/cdc-split.ts [options]`).
 *
 * Two workloads, each run both ways on the same input:
 *   1. the shipped job, functions/cdc-split/job.ts (3 tables + `other`), on the scenario
 *      generator's stream (test/scenario/cdc-split/generator.ts: 5 tables, weights 30/25/20/15/10,
 *      bootstraps); its outputs are also checked against the scenario oracle;
 *   2. the same split over 10 tables (bench/jobs/cdc-split.ts `cdcSplitJob`) on a stream of 12
 *      tables with Zipf 1.1 traffic (bench/maxwell-tables.ts): the two rarest tables and the
 *      bootstrap records go to `other`.
 * The baseline of each is `cdcFilterJobs(tables)`: N + 1 separate jobs (one per table, one for
 * `other`), each fed the whole input, as N + 1 event source mappings on one stream would be; its
 * counts are the sums over those jobs.
 *
 * Per variant, counted through `replayInMemory`'s `onBatch` (one batch = one Lambda invocation):
 * Kinesis records read, invocations, records written to sinks; sink streams written per batch
 * (one PutRecords each), by wrapping MemorySinkWriter.write; DynamoDB requests by the cost model
 * (`batchCost(0)` per invocation), checked against MemoryStore.stats; wall time of `replayInMemory`
 * and time inside the source stage's batch processing (SourceBatch.process wrapped). The
 * end-of-input marker that replay writes to each source shard is a record of no deployment: it is
 * left out of records read, and a batch holding nothing else is left out of invocations.
 *
 * Checks (the process exits 1 and prints ERROR otherwise): both variants' sinks hold the same
 * records in the same order, sink for sink; every input record reached exactly one sink; every
 * job decoded every input record; no dead letters; workload 1 equals the scenario oracle;
 * every batch committed its checkpoint and nothing else (the cost model's stateless batch).
 *
 * Options: --cdc-records=N (10000), --cdc-tables=N (10), --cdc-batch=A[,B…] (100,10000: the
 * plan default, = Lambda's default Kinesis batch size, and Lambda's maximum), --cdc-runs=N (3),
 * --cdc-io-ms=N (20: assumed DynamoDB + Kinesis round trips per invocation, for Lambda duration),
 * --cdc-shard-rate=N (1000 records/s per shard, for shard-hours). See docs/benchmarks.md, "cdc-split".
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import cdcSplitShipped, { TABLES as SHIPPED_TABLES } from '../functions/cdc-split/job.ts';
import type { Job } from '../lib/api/job.ts';
import { MemorySinkWriter } from '../lib/connectors/memory-sink.ts';
import { replayInMemory } from '../lib/local/in-memory.ts';
import type { BatchResult } from '../lib/runtime/batch.ts';
import type { SinkRecordOut } from '../lib/runtime/outputs.ts';
import { SourceBatch } from '../lib/runtime/source-batch.ts';
import { generateMaxwell } from '../test/scenario/cdc-split/generator.ts';
import { expectedCdcSplit } from '../test/scenario/cdc-split/oracle.ts';
import { batchCost, PRICES, readPathCost, type ReadPathCost } from '../lib/cost/model.ts';
import { cdcFilterJobs, cdcSplitJob, OTHER } from './jobs/cdc-split.ts';
import { generateTableChanges, tableName } from './maxwell-tables.ts';
import { fmt, note, out, table, median } from './report.ts';

/** Lambda memory of every eddy function (serverless.yml `provider.memorySize`). */
const LAMBDA_MEMORY_MB = 512;
/** Read transactions per second a shard serves to all standard consumers together (Kinesis limit). */
const SHARD_READS_PER_SECOND = 5;

function settings(args: string[]) {
  const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const positive = (name: string, raw: string) => {
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} takes positive integers`);
    return value;
  };
  const int = (name: string, fallback: number) => positive(name, option(name, String(fallback)));
  return {
    records: int('cdc-records', 10_000),
    tables: int('cdc-tables', 10),
    batchSizes: option('cdc-batch', '100,10000').split(',').map((v) => positive('cdc-batch', v)),
    runs: int('cdc-runs', 3),
    ioMs: int('cdc-io-ms', 20),
    shardRate: int('cdc-shard-rate', 1_000),
    seed: 20261124,
  };
}

// ---------------------------------------------------------------------------------------------
// One job, one variant

interface JobRun {
  ms: number;
  /** Time inside SourceBatch.process (decode, chain, emit to sinks), summed over batches. */
  workMs: number;
  batches: number;
  /** Batches that held the end-of-input marker and nothing else (replay only). */
  markerBatches: number;
  recordsIn: number;
  dataIn: number;
  /** Source shards = end-of-input markers replay wrote. */
  shards: number;
  /** Sink streams written per batch, summed: one PutRecords each (up to 500 records). */
  sinkWrites: number;
  storeRequests: number;
  storeItemsWritten: number;
  sinks: SinkRecordOut[];
  deadLetters: number;
}

async function runJob(job: Job, lines: string[]): Promise<JobRun> {
  const batches: BatchResult[] = [];
  let workMs = 0;
  let sinkWrites = 0;
  const { process } = SourceBatch.prototype;
  const { write } = MemorySinkWriter.prototype;
  SourceBatch.prototype.process = async function (this: SourceBatch, ...a: Parameters<typeof process>) {
    const t0 = performance.now();
    try {
      return await process.apply(this, a);
    } finally {
      workMs += performance.now() - t0;
    }
  };
  MemorySinkWriter.prototype.write = async function (this: MemorySinkWriter, records: SinkRecordOut[]) {
    sinkWrites += new Set(records.map((r) => r.sink)).size;
    return write.call(this, records);
  };
  let r: Awaited<ReturnType<typeof replayInMemory>>;
  let ms: number;
  try {
    const t0 = performance.now();
    r = await replayInMemory(job, { maxwell: lines }, { processingTime: 'event', onBatch: (b) => batches.push(b) });
    ms = performance.now() - t0;
  } finally {
    SourceBatch.prototype.process = process;
    MemorySinkWriter.prototype.write = write;
  }
  const shards = r.plan.stages.filter((s) => s.kind === 'source').reduce((n, s) => n + s.input.shards, 0);
  const stats = r.store.stats();
  return {
    ms,
    workMs,
    batches: batches.length,
    markerBatches: batches.filter((b) => b.recordsIn === 1 && b.dataIn === 0 && b.deadLetters === 0 && b.ended).length,
    recordsIn: batches.reduce((n, b) => n + b.recordsIn, 0),
    dataIn: batches.reduce((n, b) => n + b.dataIn, 0),
    shards,
    sinkWrites,
    storeRequests: stats.requests,
    storeItemsWritten: stats.itemsWritten,
    sinks: r.sinks.records,
    deadLetters: r.deadLetters.length,
  };
}

interface VariantRun {
  label: string;
  jobs: number;
  /** Median over the timed runs, summed over the variant's jobs. */
  ms: number;
  workMs: number;
  msRange: [number, number];
  /** Counts: from the last run (the input is fed before the stages run, so batches are the same every run). */
  batches: number;
  invocations: number;
  recordsIn: number;
  recordsRead: number;
  dataIn: number;
  sinkWrites: number;
  storeRequests: number;
  storeItemsWritten: number;
  deadLetters: number;
  /** Sink records by sink, in write order. */
  sinks: Map<string, unknown[]>;
}


async function runVariant(label: string, jobs: Job[], lines: string[], runs: number): Promise<VariantRun> {
  note(`cdc-split ${label}: ${jobs.length} job(s) × ${fmt(lines.length)} records, warm-up + ${runs} runs`);
  let last: JobRun[] = [];
  const totals: { ms: number; workMs: number }[] = [];
  for (let i = 0; i <= runs; i++) {
    last = [];
    for (const job of jobs) last.push(await runJob(job, lines));
    if (i > 0) totals.push({ ms: last.reduce((n, j) => n + j.ms, 0), workMs: last.reduce((n, j) => n + j.workMs, 0) });
  }
  const sum = (f: (j: JobRun) => number) => last.reduce((n, j) => n + f(j), 0);
  const sinks = new Map<string, unknown[]>();
  for (const j of last) {
    for (const rec of j.sinks) {
      let list = sinks.get(rec.sink);
      if (!list) sinks.set(rec.sink, (list = []));
      list.push(rec.value);
    }
  }
  const ms = totals.map((t) => t.ms);
  return {
    label,
    jobs: jobs.length,
    ms: median(ms),
    workMs: median(totals.map((t) => t.workMs)),
    msRange: [Math.min(...ms), Math.max(...ms)],
    batches: sum((j) => j.batches),
    invocations: sum((j) => j.batches - j.markerBatches),
    recordsIn: sum((j) => j.recordsIn),
    recordsRead: sum((j) => j.recordsIn - j.shards),
    dataIn: sum((j) => j.dataIn),
    sinkWrites: sum((j) => j.sinkWrites),
    storeRequests: sum((j) => j.storeRequests),
    storeItemsWritten: sum((j) => j.storeItemsWritten),
    deadLetters: sum((j) => j.deadLetters),
    sinks,
  };
}

// ---------------------------------------------------------------------------------------------

interface Workload {
  name: string;
  /** Routed tables (one sink each) + `other`. */
  tables: readonly string[];
  lines: string[];
  bytes: number;
  split: (batchSize: number) => Job;
  oracle?: Map<string, unknown[]>;
}

interface Row {
  workload: Workload;
  batchSize: number;
  split: VariantRun;
  filters: VariantRun;
}

const sinkRecords = (v: VariantRun) => [...v.sinks.values()].reduce((n, l) => n + l.length, 0);

/** Differences between two sets of sink contents (order within a sink counts); empty when identical. */
function compareSinks(a: Map<string, unknown[]>, b: Map<string, unknown[]>, names: [string, string]): string[] {
  const problems: string[] = [];
  for (const sink of new Set([...a.keys(), ...b.keys()])) {
    const x = (a.get(sink) ?? []).map((v) => JSON.stringify(v));
    const y = (b.get(sink) ?? []).map((v) => JSON.stringify(v));
    const at = x.findIndex((line, i) => line !== y[i]);
    if (x.length !== y.length || at >= 0) {
      problems.push(`sink ${sink}: ${names[0]} ${x.length} records, ${names[1]} ${y.length}; first difference at #${at >= 0 ? at : Math.min(x.length, y.length)}: ${x[at] ?? '(none)'} vs ${y[at] ?? '(none)'}`);
    }
  }
  return problems;
}

/** Runs the cdc-split benchmark and prints its tables; returns false (and sets a non-zero exit code) when a check failed. */
export async function benchCdcSplit(args: string[] = process.argv.slice(2)): Promise<boolean> {
  const s = settings(args);

  const scenario = generateMaxwell({ seed: s.seed, records: s.records });
  const scenarioLines = scenario.map((r) => JSON.stringify(r));
  const expected = expectedCdcSplit(scenario);
  const many = generateTableChanges({ seed: s.seed, records: s.records, tables: s.tables + 2 });
  const manyLines = many.map((r) => JSON.stringify(r));
  const manyTables = Array.from({ length: s.tables }, (_, i) => tableName(i + 1));
  const bytes = (lines: string[]) => lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  const workloads: Workload[] = [
    {
      name: `shipped job, ${SHIPPED_TABLES.length} tables`,
      tables: SHIPPED_TABLES,
      lines: scenarioLines,
      bytes: bytes(scenarioLines),
      split: (batchSize) => ((cdcSplitShipped.graph.options.batchSize = batchSize), cdcSplitShipped),
      oracle: new Map(Object.entries(expected).map(([sink, rows]) => [sink, rows as unknown[]])),
    },
    { name: `${s.tables} tables, Zipf`, tables: manyTables, lines: manyLines, bytes: bytes(manyLines), split: (batchSize) => cdcSplitJob(manyTables, { batchSize }) },
  ];

  const errors: string[] = [];
  const rows: Row[] = [];
  const shippedBatchSize = cdcSplitShipped.graph.options.batchSize;
  try {
    // One untimed pass over every job first: the first workload would otherwise pay for the JIT warming up.
    note('cdc-split: warm-up pass');
    for (const w of workloads) for (const job of [w.split(s.batchSizes[0]), ...cdcFilterJobs(w.tables, { batchSize: s.batchSizes[0] })]) await runJob(job, w.lines);
    for (const w of workloads) {
      for (const batchSize of s.batchSizes) {
        const split = await runVariant(`${w.name}, batch ${batchSize}: side outputs`, [w.split(batchSize)], w.lines, s.runs);
        const filters = await runVariant(`${w.name}, batch ${batchSize}: filter per table`, cdcFilterJobs(w.tables, { batchSize }), w.lines, s.runs);
        rows.push({ workload: w, batchSize, split, filters });
      }
    }
  } finally {
    cdcSplitShipped.graph.options.batchSize = shippedBatchSize;
  }

  // Checks
  for (const { workload: w, batchSize, split, filters } of rows) {
    const where = `${w.name}, batch ${batchSize}`;
    for (const p of compareSinks(split.sinks, filters.sinks, ['side outputs', 'filters'])) errors.push(`${where}: ${p}`);
    if (w.oracle) for (const p of compareSinks(split.sinks, w.oracle, ['side outputs', 'oracle'])) errors.push(`${where}: ${p}`);
    if (split.sinks.size !== w.tables.length + 1 || !split.sinks.has(OTHER)) errors.push(`${where}: expected ${w.tables.length + 1} non-empty sinks, got ${[...split.sinks.keys()].join(', ')}`);
    for (const [name, v] of [['side outputs', split], ['filters', filters]] as const) {
      if (sinkRecords(v) !== w.lines.length) errors.push(`${where}, ${name}: ${sinkRecords(v)} sink records for ${w.lines.length} input records`);
      if (v.dataIn !== v.jobs * w.lines.length) errors.push(`${where}, ${name}: ${v.dataIn} records decoded, expected ${v.jobs} × ${w.lines.length}`);
      if (v.recordsRead !== v.dataIn) errors.push(`${where}, ${name}: ${v.recordsRead} records read, ${v.dataIn} decoded`);
      if (v.deadLetters > 0) errors.push(`${where}, ${name}: ${v.deadLetters} dead letters`);
      // Every batch commits exactly one item, its checkpoint (no state): the cost model's batchCost(0). Requests also
      // include replay's own reads at the end (checkpoints polled for the end of input, dead letters), so only a floor.
      if (v.storeItemsWritten !== v.batches) errors.push(`${where}, ${name}: ${v.storeItemsWritten} items written for ${v.batches} batches (one checkpoint each expected)`);
      if (v.storeRequests < batchCost(0).requests * v.batches) errors.push(`${where}, ${name}: ${v.storeRequests} DynamoDB requests, fewer than the cost model's ${batchCost(0).requests * v.batches}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  out();
  out('S. cdc-split: side outputs (one job reads the stream once) vs one filter pipeline per table (N + 1 jobs, each reads it all),');
  out(`   in-memory backend, 1 shard; ${fmt(s.records)} input records per workload; 1 warm-up + median of ${s.runs} runs (wall time); counts per 1,000 input records.`);
  for (const w of workloads) {
    const tableShare = (t: string) => (w.oracle ? w.oracle.get(t)!.length : rows.find((r) => r.workload === w)!.split.sinks.get(t)?.length ?? 0) / w.lines.length;
    out(`   ${w.name}: ${fmt(w.bytes / w.lines.length)} B per record; sink shares ${[...w.tables, OTHER].map((t) => `${t} ${fmt(100 * tableShare(t), 1)} %`).join(', ')}`);
  }
  const per1k = (n: number, w: Workload) => (n * 1000) / w.lines.length;
  table(
    ['workload, batch', 'variant', 'jobs (mappings)', 'records read', 'KB read', 'invocations', 'sink records', 'sink PutRecords', 'DynamoDB requests (+ replay\'s)', 'wall ms', 'min..max ms', 'events/s', 'events/s stage work', 'check'],
    rows.flatMap(({ workload: w, batchSize, split, filters }) =>
      [split, filters].map((v, i) => [
        i === 0 ? `${w.name}, batch ${fmt(batchSize)}` : '',
        i === 0 ? 'side outputs' : 'filter per table',
        fmt(v.jobs),
        fmt(per1k(v.recordsRead, w), 1),
        fmt(per1k(v.recordsRead, w) * (w.bytes / w.lines.length) / 1024, 1),
        fmt(per1k(v.invocations, w), 2),
        fmt(per1k(sinkRecords(v), w), 1),
        fmt(per1k(v.sinkWrites, w), 1),
        `${fmt(per1k(batchCost(0).requests * v.invocations, w), 1)} (+${fmt(v.storeRequests - batchCost(0).requests * v.invocations)})`,
        fmt(v.ms),
        `${fmt(v.msRange[0])}..${fmt(v.msRange[1])}`,
        fmt(w.lines.length / (v.ms / 1000)),
        fmt(w.lines.length / (v.workMs / 1000)),
        i === 0 ? (errors.length === 0 ? 'same sinks' : 'see errors') : '',
      ]),
    ),
  );
  out('   records read and invocations leave out replay\'s end-of-input marker (one per job) and a batch holding only it. DynamoDB requests:');
  out('   the cost model\'s batchCost(0) per invocation (checkpoint read + one-item commit; every batch was checked to commit its checkpoint');
  out('   and nothing else); in brackets, what the runs made besides, in all: marker batches and replay\'s own end-of-run reads.');
  out('   events/s = input records ÷ wall time of the variant\'s replayInMemory calls (the baseline feeds its own copy of the input to each job);');
  out('   "stage work" = ÷ time inside the source stage\'s batch processing only (decode, filter/route, emit).');
  out();
  out('   filter per table ÷ side outputs');
  table(
    ['workload, batch', 'records read', 'KB read', 'invocations (= DynamoDB checkpoint requests)', 'sink records', 'sink PutRecords', 'wall time', 'stage work time'],
    rows.map(({ workload: w, batchSize, split, filters }) => {
      const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
      return [`${w.name}, batch ${fmt(batchSize)}`, x(filters.recordsRead, split.recordsRead), x(filters.jobs, split.jobs), x(filters.invocations, split.invocations), x(sinkRecords(filters), sinkRecords(split)), x(filters.sinkWrites, split.sinkWrites), x(filters.ms, split.ms), x(filters.workMs, split.workMs)];
    }),
  );

  // $ per million input records
  out();
  out(`   $ per million input records (lib/cost/model.ts readPathCost; us-east-1 list prices: Lambda $${PRICES.lambdaRequest * 1e6}/M requests, $${PRICES.lambdaGbSecond}/GB-s;`);
  out(`   DynamoDB on-demand $${PRICES.dynamoReadUnit * 1e6}/M RRU, $${PRICES.dynamoWriteUnit * 1e6}/M WRU; Kinesis on-demand $${PRICES.kinesisOnDemandReadGb}/GB read; enhanced fan-out $${PRICES.kinesisEfoConsumerShardHour}/consumer-shard-h + $${PRICES.kinesisEfoReadGb}/GB).`);
  out(`   Assumed: ${LAMBDA_MEMORY_MB} MB functions (serverless.yml); billed time per invocation = its stage work measured here + ${s.ioMs} ms of I/O (checkpoint read, commit, sink PutRecords);`);
  out(`   a checkpoint read (1 RRU) and commit (TransactWriteItems, 2 WRU) per invocation; shard-hours at ${fmt(s.shardRate)} records/s per shard. Sink writes (records, bytes) are the same in both variants: left out.`);
  const costOf = (v: VariantRun, w: Workload): ReadPathCost => {
    const scale = 1e6 / w.lines.length;
    return readPathCost({
      invocations: v.invocations * scale,
      lambdaMs: (v.invocations * s.ioMs + v.workMs) * scale,
      memoryMb: LAMBDA_MEMORY_MB,
      bytesRead: v.jobs * w.bytes * scale,
      consumers: v.jobs,
      shardHours: 1e6 / s.shardRate / 3600,
    });
  };
  const usd = (n: number) => `$${n.toFixed(5)}`;
  table(
    ['workload, batch', 'variant', 'Lambda requests', 'Lambda duration', 'DynamoDB checkpoints', 'Kinesis on-demand reads', 'total, on-demand stream', 'provisioned: reads/s per shard', 'provisioned + fan-out, total'],
    rows.flatMap(({ workload: w, batchSize, split, filters }) =>
      [split, filters].map((v, i) => {
        const c = costOf(v, w);
        const base = c.lambdaRequests + c.lambdaDuration + c.checkpoints;
        return [
          i === 0 ? `${w.name}, batch ${fmt(batchSize)}` : '',
          i === 0 ? 'side outputs' : 'filter per table',
          usd(c.lambdaRequests),
          usd(c.lambdaDuration),
          usd(c.checkpoints),
          usd(c.kinesisOnDemandReads),
          usd(base + c.kinesisOnDemandReads),
          `${v.jobs}${v.jobs > SHARD_READS_PER_SECOND ? ` > ${SHARD_READS_PER_SECOND} (throttled)` : ''}`,
          v.jobs > SHARD_READS_PER_SECOND ? usd(base + c.enhancedFanOut) : `${usd(base)} (shared reads)`,
        ];
      }),
    ),
  );
  out(`   "reads/s per shard": each mapping polls each shard about once a second; a shard serves ${SHARD_READS_PER_SECOND} GetRecords/s to all standard consumers`);
  out('   together, so more mappings than that need enhanced fan-out (last column) or wait longer between reads.');

  out();
  if (errors.length === 0) out('   checks: ok (sinks identical record for record between the variants, and equal to the scenario oracle for the shipped job; every record in exactly one sink; every job decoded every record; no dead letters; one checkpoint commit per batch, as the cost model has it)');
  else {
    for (const e of errors) {
      out(`   ERROR: ${e}`);
      process.stderr.write(`bench: cdc-split ERROR: ${e}\n`);
    }
    process.exitCode = 1;
  }
  return errors.length === 0;
}

// Standalone: node bin/run-ts.mjs bench/cdc-split.ts [options]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  out(`eddy bench (cdc-split only) — ${new Date().toISOString()}`);
  out(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  const started = performance.now();
  await benchCdcSplit();
  out();
  out(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
}
