/**
 * Interval join throughput on the in-memory backend (part of `npm run bench`, section J, or alone:
 * `node bin/run-ts.mjs bench/interval-join.ts [options]`).
 *
 * The job is functions/order-join/job.ts: orders and order-details, each keyed by orderId,
 * interval-joined (detailTs in [orderTs - 5 s, orderTs + 10 min]) in one keyed stage, pairs to
 * sink `order-lines`. Input: the scenario generator (test/scenario/order-join/generator.ts),
 * ~2 details per order, each stream out of order by up to 5 s, details up to 11 min after their
 * order. Every run's output is checked against the scenario oracle, and the store must hold no
 * join buffer and no join timer at the end.
 *
 * Per run: wall time of `replayInMemory` (all three stages, one process, one core; data
 * generation and checks excluded) and the time of the join stage alone: wall time between batch
 * ends, attributed to the stage whose batch ended (in memory a batch runs to its end without
 * yielding, so batches of different stages do not interleave). Events = orders + details.
 * Two batch sizes: the job's (100 records per invocation; a replay invocation of the join then
 * reads 100 upstream batches, thousands of records) and 10 (buffers and timers go through the
 * store from batch to batch, as with the small batches of a live trickle).
 *
 * Options: --interval-join-orders=N (30000), --interval-join-runs=N (3), --interval-join-batch=A[,B] (100,10).
 * See docs/benchmarks.md, "Interval join".
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import orderJoin from '../functions/order-join/job.ts';
import { replayInMemory } from '../lib/local/in-memory.ts';
import type { BatchResult } from '../lib/runtime/batch.ts';
import { MemoryStore } from '../lib/state/memory-store.ts';
import type { CommitRequest, Item, ItemKey } from '../lib/state/store.ts';
import { generateOrderJoin } from '../test/scenario/order-join/generator.ts';
import { compareLines, expectedOrderLines, type OrderLine } from '../test/scenario/order-join/oracle.ts';
import { fmt, note, out, table, median } from './report.ts';

const JOIN_STAGE = 'order-lines';

function settings(args: string[]) {
  const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const ints = (name: string, fallback: string) =>
    option(name, fallback)
      .split(',')
      .map((v) => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} takes positive integers`);
        return n;
      });
  return { orders: ints('interval-join-orders', '30000')[0], runs: ints('interval-join-runs', '3')[0], batchSizes: ints('interval-join-batch', '100,10'), seed: 20261124 };
}

interface Run {
  ms: number;
  joinMs: number;
  joinBatches: number;
  joinIn: number;
  timersFired: number;
  pairs: number;
  itemsWritten: number;
  /** Deletes of join buffer entries the store did not hold (the cleanup timer's other side; see docs/joins.md). */
  absentDeletes: number;
  check: string;
}

/**
 * Counts, while attached, the deletes of join buffer items that the store does not hold: a
 * fired cleanup timer removes both sides' entries at its instant without reading them first.
 */
function countAbsentDeletes(): { count: () => number; detach: () => void } {
  let n = 0;
  // MemoryStore's private lookup: a counted read would change the store's statistics.
  const holds = (store: MemoryStore, key: ItemKey) => (store as unknown as { partition(t: string, pk: string): Map<string, Item> | undefined }).partition(key.table, key.pk)?.has(key.sk) ?? false;
  const tally = (store: MemoryStore, deletes: ItemKey[]) => {
    for (const d of deletes) if (d.pk.startsWith(`s#${JOIN_STAGE}#`) && !holds(store, d)) n++;
  };
  const { commit, writeBatch } = MemoryStore.prototype;
  MemoryStore.prototype.commit = async function (this: MemoryStore, request: CommitRequest) {
    tally(this, request.deletes);
    return commit.call(this, request);
  };
  MemoryStore.prototype.writeBatch = async function (this: MemoryStore, puts: Item[], deletes: ItemKey[]) {
    tally(this, deletes);
    return writeBatch.call(this, puts, deletes);
  };
  return { count: () => n, detach: () => Object.assign(MemoryStore.prototype, { commit, writeBatch }) };
}

/** One run; `meter`: count the deletes of absent items too (the warm-up run, whose time is not reported). */
async function runOnce(inputs: Record<string, string[]>, expected: OrderLine[], batchSize: number, meter = false): Promise<Run> {
  const absent = meter ? countAbsentDeletes() : undefined;
  const saved = orderJoin.graph.options.batchSize;
  orderJoin.graph.options.batchSize = batchSize;
  let last = 0;
  const join = { ms: 0, batches: 0, dataIn: 0, timersFired: 0 };
  const onBatch = (b: BatchResult) => {
    const now = performance.now();
    if (b.stage === JOIN_STAGE) {
      join.ms += now - last;
      join.batches++;
      join.dataIn += b.dataIn;
      join.timersFired += b.timersFired;
    }
    last = now;
  };
  try {
    const t0 = (last = performance.now());
    const r = await replayInMemory(orderJoin, inputs, { processingTime: 'event', onBatch });
    const ms = performance.now() - t0;
    const lines = [...(r.sinks.values('order-lines') as OrderLine[])].sort(compareLines);
    const same = lines.length === expected.length && lines.every((l, i) => compareLines(l, expected[i]) === 0);
    const left = r.store.dump('state').filter((i) => i.pk.startsWith(`s#${JOIN_STAGE}#`) || i.pk.startsWith(`t#${JOIN_STAGE}#`)).length;
    const problems = [!same && `output differs from the oracle (${lines.length} vs ${expected.length} lines)`, left > 0 && `${left} join items left`, r.deadLetters.length > 0 && `${r.deadLetters.length} dead letters`].filter(Boolean);
    return {
      ms, joinMs: join.ms, joinBatches: join.batches, joinIn: join.dataIn, timersFired: join.timersFired, pairs: lines.length,
      itemsWritten: r.store.stats().itemsWritten, absentDeletes: absent?.count() ?? 0, check: problems.length ? `MISMATCH: ${problems.join('; ')}` : 'ok',
    };
  } finally {
    orderJoin.graph.options.batchSize = saved;
    absent?.detach();
  }
}


/** Runs the interval-join benchmark and prints its table; returns false (and sets a non-zero exit code) when a check failed. */
export async function benchIntervalJoin(args: string[] = process.argv.slice(2)): Promise<boolean> {
  const s = settings(args);
  const { orders, details } = generateOrderJoin({ seed: s.seed, orders: s.orders });
  const inputs = { orders: orders.map((o) => JSON.stringify(o)), 'order-details': details.map((d) => JSON.stringify(d)) };
  const events = orders.length + details.length;
  const expected = expectedOrderLines(orders, details);
  const rows: (string | number)[][] = [];
  let ok = true;
  for (const batchSize of s.batchSizes) {
    note(`interval join, batch ${batchSize}: warm-up (${fmt(events)} events)`);
    const runs = [await runOnce(inputs, expected, batchSize, true)];
    for (let i = 0; i < s.runs; i++) {
      runs.push(await runOnce(inputs, expected, batchSize));
      note(`interval join, batch ${batchSize}: run ${i + 1}/${s.runs} ${fmt(runs[runs.length - 1].ms)} ms`);
    }
    const timed = runs.slice(1);
    const ms = median(timed.map((r) => r.ms));
    const joinMs = median(timed.map((r) => r.joinMs));
    const r = timed[timed.length - 1];
    const check = runs.find((x) => x.check !== 'ok')?.check ?? `ok (${fmt(r.pairs)} pairs = oracle; no join state left)`;
    if (check.startsWith('MISMATCH')) ok = false;
    rows.push([
      `batch ${batchSize}`, fmt(events), fmt(ms), `${fmt(Math.min(...timed.map((x) => x.ms)))}..${fmt(Math.max(...timed.map((x) => x.ms)))}`,
      fmt(events / (ms / 1000)), fmt(joinMs), fmt(r.joinIn / (joinMs / 1000)), fmt(r.joinBatches), fmt(r.timersFired), fmt((r.itemsWritten * 1000) / events),
      fmt((runs[0].absentDeletes * 1000) / events), check,
    ]);
  }
  out();
  out(`J. Interval join (functions/order-join), in-memory backend (single Node process; 1 warm-up + median of ${s.runs} runs per batch size)`);
  out(`   ${fmt(orders.length)} orders + ${fmt(details.length)} details (generateOrderJoin seed ${s.seed}), joined on [orderTs - 5 s, orderTs + 10 min]`);
  table(['run', 'events', 'wall ms', 'min..max ms', 'events/s', 'join stage ms', 'join events/s', 'join batches', 'timers fired', 'items written/1k ev', 'of which absent deletes', 'check'], rows);
  out('   events/s = (orders + details) / wall time of the whole job (two source stages + the join); join events/s = records into the');
  out('   join stage / the time attributed to its batches (wall time between batch ends, by the stage whose batch ended).');
  out('   items written = store puts + deletes, all stages (MemoryStore.stats()); absent deletes = deletes of join buffer entries');
  out('   the store did not hold (a cleanup timer removes both sides\' entries at its instant unread; counted in the warm-up run).');
  if (!ok) process.exitCode = 1;
  return ok;
}

// Standalone: node bin/run-ts.mjs bench/interval-join.ts [options]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  out(`eddy bench (interval join only) — ${new Date().toISOString()}`);
  out(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  const started = performance.now();
  await benchIntervalJoin();
  out();
  out(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
}
