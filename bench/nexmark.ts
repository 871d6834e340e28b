/**
 * Nexmark throughput per core (section N of `npm run bench`, or alone: `node bin/run-ts.mjs
 * bench/nexmark.ts [--nexmark-events=N] [--nexmark-runs=N] [--nexmark-queries=q1,q5]`): each of
 * the seven jobs in functions/nexmark-q* over generated input (test/scenario/nexmark/generator.ts,
 * 1,000,000 events by default), whole job in one process on the in-memory backend, next to
 * Flink's published throughput per core (/work/shared/NEXMARK.md §6, the higher of its two guides).
 *
 * A job reads only the streams it has sources for (q1 reads bids, 92 % of the events). Timed:
 * from every input in its source stream to the end of input drained (the producer's writes are
 * not the job's work; they are shown apart). Each run's output is checked against the reference
 * (test/scenario/nexmark/reference.ts). Per core = events read / CPU seconds of the process
 * (user + system, GC threads included), which is at most events / wall seconds here.
 *
 * The sink `out` is written by the Lambda's own sink writer (AwsSinkWriter: each record's bytes
 * and partition key, in PutRecords requests of 500) to a stream client that keeps the requests:
 * the work a stage does for its sink, without the network.
 */
import { replayInMemory } from '../lib/local/in-memory.ts';
import type { Job } from '../lib/api/job.ts';
import { AwsSinkWriter } from '../lib/aws/sink-writer.ts';
import { planJob } from '../lib/plan/planner.ts';
import type { PutEntry, StreamClient } from '../lib/runtime/stream-client.ts';
import { generateNexmark, nexmarkLines, type NexmarkData } from '../test/scenario/nexmark/generator.ts';
import { canonicalRows, q1, q2, q3, q4, q5, q7, q8 } from '../test/scenario/nexmark/reference.ts';
import { fmt, note, out, runWhenEntry, table, median } from './report.ts';

type Stream = keyof NexmarkData;

interface Query {
  name: string;
  reads: Stream[];
  /** Flink ≥ 2.0 / 1.13–2.0 per core, the higher (events/s). */
  flinkPerCore: number;
  reference: (d: NexmarkData) => object[];
  floats?: string[];
  /** q4 writes a changelog: its result is the last row per category. */
  table?: (rows: any[]) => object[];
}

const lastPerCategory = (rows: { category: number }[]) => [...new Map(rows.map((r) => [r.category, r])).values()];

export const NEXMARK_QUERIES: Query[] = [
  { name: 'q1', reads: ['bids'], flinkPerCore: 395_000, reference: (d) => q1(d.bids), floats: ['price'] },
  { name: 'q2', reads: ['bids'], flinkPerCore: 414_000, reference: (d) => q2(d.bids) },
  { name: 'q3', reads: ['persons', 'auctions'], flinkPerCore: 219_000, reference: (d) => q3(d.persons, d.auctions) },
  { name: 'q4', reads: ['auctions', 'bids'], flinkPerCore: 34_330, reference: (d) => q4(d.auctions, d.bids), floats: ['avgPrice'], table: lastPerCategory },
  { name: 'q5', reads: ['bids'], flinkPerCore: 74_500, reference: (d) => q5(d.bids) },
  { name: 'q7', reads: ['bids'], flinkPerCore: 22_900, reference: (d) => q7(d.bids) },
  { name: 'q8', reads: ['persons', 'auctions'], flinkPerCore: 162_000, reference: (d) => q8(d.persons, d.auctions) },
];

interface Run {
  /** Seconds from inputs fed to end of input drained: wall, and CPU of the process. */
  wall: number;
  cpu: number;
  feed: number;
  outputs: number;
}

/** A Kinesis client that keeps what the sink writer puts (every record lands). */
class KeptPuts implements StreamClient {
  readonly entries: PutEntry[] = [];
  async listShards(): Promise<never> {
    throw new Error('a sink writer does not list shards');
  }
  async putRecords(_stream: string, entries: PutEntry[]) {
    for (const e of entries) this.entries.push(e);
    return entries.map(() => ({ shardId: 'shardId-000000000000' }));
  }
}

async function runQuery(job: Job, q: Query, lines: Record<Stream, string[]>, data: NexmarkData, check: boolean): Promise<Run> {
  const inputs = Object.fromEntries(q.reads.map((s) => [s, lines[s]]));
  const puts = new KeptPuts();
  const started = performance.now();
  let fed = started;
  let cpuAtFeed = process.cpuUsage();
  const r = await replayInMemory(job, inputs, {
    processingTime: 'event',
    sinks: new AwsSinkWriter(job, planJob(job.graph), puts, undefined as never, ''),
    onInputsFed: () => {
      fed = performance.now();
      cpuAtFeed = process.cpuUsage();
    },
  });
  const cpu = process.cpuUsage(cpuAtFeed);
  const run = { wall: (performance.now() - fed) / 1000, cpu: (cpu.user + cpu.system) / 1e6, feed: (fed - started) / 1000, outputs: puts.entries.length };
  if (check) {
    if (r.deadLetters.length > 0) throw new Error(`nexmark-${q.name}: ${r.deadLetters.length} dead letters on valid input`);
    const written = puts.entries.map((e) => JSON.parse(Buffer.from(e.data).toString('utf8')) as object);
    const got = canonicalRows(q.table ? q.table(written) : written, q.floats);
    const want = canonicalRows(q.reference(data), q.floats);
    if (got.length !== want.length || got.some((row, i) => row !== want[i])) throw new Error(`nexmark-${q.name}: out differs from the reference (${got.length} rows, expected ${want.length})`);
  }
  return run;
}


/** Runs every query (a warm-up on a tenth of the events, then `runs` timed runs), prints the table, returns events/CPU-second per query. */
export async function benchNexmark(args: string[] = process.argv.slice(2)): Promise<Record<string, number>> {
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const events = Number(option('nexmark-events') ?? 1_000_000);
  const runs = Number(option('nexmark-runs') ?? 1);
  const only = option('nexmark-queries')?.split(',');
  const queries = NEXMARK_QUERIES.filter((q) => !only || only.includes(q.name));

  note(`nexmark: generating ${fmt(events)} events`);
  const data = generateNexmark({ seed: 2026, events });
  const warmData = generateNexmark({ seed: 7, events: Math.max(1000, Math.floor(events / 10)) });
  const toLines = (d: NexmarkData) => ({ persons: nexmarkLines(d.persons), auctions: nexmarkLines(d.auctions), bids: nexmarkLines(d.bids) });
  const lines = toLines(data);
  const warmLines = toLines(warmData);

  const rows: (string | number)[][] = [];
  const perCore: Record<string, number> = {};
  for (const q of queries) {
    const job = (await import(`../functions/nexmark-${q.name}/job.ts`)).default as Job;
    const read = q.reads.reduce((n, s) => n + lines[s].length, 0);
    note(`nexmark-${q.name}: warm-up (${fmt(Math.floor(events / 10))} events)`);
    await runQuery(job, q, warmLines, warmData, false);
    const timed: Run[] = [];
    for (let i = 0; i < runs; i++) {
      timed.push(await runQuery(job, q, lines, data, i === 0));
      note(`nexmark-${q.name}: run ${i + 1}/${runs}: ${fmt(timed[i].wall, 2)} s wall, ${fmt(timed[i].cpu, 2)} s CPU (+ ${fmt(timed[i].feed, 2)} s feeding)`);
    }
    const wall = median(timed.map((t) => t.wall));
    const cpu = median(timed.map((t) => t.cpu));
    perCore[q.name] = read / cpu;
    rows.push([
      `nexmark-${q.name}`, q.reads.join('+'), fmt(read), fmt(timed[0].outputs), fmt(wall, 2), fmt(cpu, 2), fmt(read / wall), fmt(read / cpu), fmt(q.flinkPerCore), fmt(read / cpu / q.flinkPerCore, 2), 'ok',
    ]);
  }
  out(`\n== N. Nexmark, in memory: ${fmt(events)} events generated (seed 2026), one process; warm-up on a tenth, median of ${runs} run(s); out checked against the reference`);
  table(['job', 'reads', 'events read', 'out rows', 'wall s', 'CPU s', 'events/s (wall)', 'events/CPU-s', 'Flink /core', 'eddy ÷ Flink', 'check'], rows);
  out('   wall and CPU: from every input in its source stream to the end of input drained; feeding the streams is the producer\'s work, not timed');
  return perCore;
}

await runWhenEntry(import.meta.url, 'nexmark', () => benchNexmark());
