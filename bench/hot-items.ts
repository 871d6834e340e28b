/**
 * hot-items: slicing vs per-window, on the in-memory backend (part of `npm run bench`, or alone:
 * `node bin/run-ts.mjs bench/hot-items.ts [options]`).
 *
 * The job is functions/hot-items/job.ts: purchases → keyBy spuId → sliding 1 h / 5 s event-time
 * window counting events → keyBy windowEnd → top 10 → sink `hot-items`, built twice:
 * `hotItemsJob({ slicing: true })` (one accumulator per 5 s slice and item) and
 * `hotItemsJob({ slicing: false })` (one accumulator per window and item: 720 per event).
 *
 * Two data sets from the same generator settings (seed, users, items, span), differing only in
 * the number of events:
 *   - "small" (10 events): both variants, every stage invoked with one record per batch (so that
 *     state outlives batches, as in a trickle of events); their `hot-items` outputs must be
 *     identical (and equal to the scenario oracle), else the bench prints an error and the
 *     process exits non-zero. The per-window job takes over a second per event here.
 *   - "large" (20,000 events): the sliced job only, at the job's batch size (100), checked
 *     against the scenario oracle. The per-window job needs minutes and GBs at this size.
 *
 * Per run: wall time of `replayInMemory` (all stages, one process, one core; data generation
 * and checks excluded), and what the engine wrote to the store, counted by wrapping
 * MemoryStore's `commit` / `writeBatch` for the duration of the run: items and bytes by kind
 * (keyed state, timers, checkpoints, redo logs), and DynamoDB write units by the published
 * rules as bench/dynamo-meter.ts states them (⌈item size / 1 KB⌉ per item, doubled inside a
 * transaction = `commit`; 1 per delete, 2 inside a transaction). Window accumulator updates
 * are counted by wrapping `countEvents.add` / `.merge` (the job's AggregateFunction, which the
 * window operators call through the object).
 *
 * Options: --hot-items-events=N (20000), --hot-items-small=N (10), --hot-items-small-batch=N (1),
 * --hot-items-users=N (1000), --hot-items-items=N (200), --hot-items-span-ms=N (7200000),
 * --skip-hot-items-per-window. See docs/benchmarks.md, "hot-items: slicing vs per-window".
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { countEvents, hotItemsJob } from '../functions/hot-items/job.ts';
import { replayInMemory } from '../lib/local/in-memory.ts';
import type { BatchResult } from '../lib/runtime/batch.ts';
import { MemoryStore } from '../lib/state/memory-store.ts';
import type { CommitRequest, Item, ItemKey } from '../lib/state/store.ts';
import { expectedHotItems } from '../test/scenario/hot-items/oracle.ts';
import { generatePurchases, type Purchase } from '../test/scenario/purchases/generator.ts';
import { itemSize } from './dynamo-meter.ts';
import { fmt, note, out, table } from './report.ts';



function settings(args: string[]) {
  const option = (name: string, fallback: number) => {
    const raw = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} takes a positive integer`);
    return value;
  };
  return {
    events: option('hot-items-events', 20_000),
    smallEvents: option('hot-items-small', 10),
    /** Records per invocation for the small runs: 1 = every record its own batch, so that state outlives batches. */
    smallBatch: option('hot-items-small-batch', 1),
    users: option('hot-items-users', 1_000),
    items: option('hot-items-items', 200),
    spanMs: option('hot-items-span-ms', 2 * 3_600_000),
    maxOutOfOrderMs: 5_000,
    seed: 20261124,
    perWindow: !args.includes('--skip-hot-items-per-window'),
  };
}

// ---------------------------------------------------------------------------------------------
// What the engine writes, by kind

type Kind = 'window state' | 'top-10 state' | 'timers' | 'checkpoints' | 'redo' | 'dead letters';
const KINDS: Kind[] = ['window state', 'top-10 state', 'timers', 'checkpoints', 'redo', 'dead letters'];

interface KindCount {
  puts: number;
  deletes: number;
  /** Deletes of items the store did not hold (created and removed within one batch): 1 WCU each all the same. */
  absentDeletes: number;
  bytes: number;
  /** Write units by DynamoDB's rules. */
  wcu: number;
  maxItemBytes: number;
}

/** By partition key (lib/state/keys.ts, lib/time/timer-items.ts, lib/runtime/checkpoint.ts, commit.ts). */
function kindOf(key: ItemKey): Kind {
  if (key.table === 'dead-letter') return 'dead letters';
  if (key.pk.startsWith('s#item-counts#')) return 'window state';
  if (key.pk.startsWith('s#top-items#')) return 'top-10 state';
  if (key.pk.startsWith('t#')) return 'timers';
  if (key.pk.startsWith('c#')) return 'checkpoints';
  if (key.pk.startsWith('r#')) return 'redo';
  throw new Error(`bench: unknown item kind ${key.pk}`);
}

/**
 * Wraps MemoryStore.prototype.commit / writeBatch while attached. Sizes are DynamoDB's (attribute
 * names + values of the row DynamoDbStore writes: attrs + pk + sk). A checkpoint carrying a redo
 * log (a commit too large for one transaction, lib/runtime/commit.ts) is split: the `redo`
 * attribute's bytes are counted as redo, the rest as the checkpoint; its write units go to redo.
 */
class StoreWriteMeter {
  readonly kinds = new Map<Kind, KindCount>(KINDS.map((k) => [k, { puts: 0, deletes: 0, absentDeletes: 0, bytes: 0, wcu: 0, maxItemBytes: 0 }]));
  commits = 0;
  batchWrites = 0;

  attach(): () => void {
    const proto = MemoryStore.prototype;
    const { commit, writeBatch } = proto;
    const meter = this; // the wrappers' own `this` is the store
    proto.commit = async function (this: MemoryStore, request: CommitRequest) {
      const absent = request.deletes.map((key) => !holds(this, key));
      await commit.call(this, request); // count only what was written (a fenced commit can fail)
      meter.commits++;
      for (const put of request.puts) meter.put(put, 2);
      request.deletes.forEach((del, i) => meter.delete(del, 2, absent[i]));
      meter.put(request.checkpoint.item, 2);
    };
    proto.writeBatch = async function (this: MemoryStore, puts: Item[], deletes: ItemKey[]) {
      const absent = deletes.map((key) => !holds(this, key));
      await writeBatch.call(this, puts, deletes);
      meter.batchWrites++;
      for (const put of puts) meter.put(put, 1);
      deletes.forEach((del, i) => meter.delete(del, 1, absent[i]));
    };
    return () => {
      proto.commit = commit;
      proto.writeBatch = writeBatch;
    };
  }

  /** Item puts and deletes, as MemoryStore.stats().itemsWritten counts them. */
  itemsWritten(): number {
    let n = 0;
    for (const c of this.kinds.values()) n += c.puts + c.deletes;
    return n;
  }

  total(field: 'bytes' | 'wcu'): number {
    let n = 0;
    for (const c of this.kinds.values()) n += c[field];
    return n;
  }

  private put(item: Item, factor: number): void {
    const kind = kindOf(item);
    const row = { ...item.attrs, pk: item.pk, sk: item.sk };
    const size = itemSize(row);
    if (kind === 'checkpoints' && item.attrs.redo !== undefined) {
      const redo = itemSize({ redo: item.attrs.redo });
      const c = this.kinds.get('checkpoints')!;
      c.bytes += size - redo;
      const r = this.kinds.get('redo')!;
      r.bytes += redo;
      r.puts++; // the checkpoint item, counted once, as redo
      r.wcu += factor * Math.max(1, Math.ceil(size / 1024));
      r.maxItemBytes = Math.max(r.maxItemBytes, size);
      return;
    }
    const c = this.kinds.get(kind)!;
    c.puts++;
    c.bytes += size;
    c.wcu += factor * Math.max(1, Math.ceil(size / 1024));
    c.maxItemBytes = Math.max(c.maxItemBytes, size);
  }

  private delete(key: ItemKey, factor: number, absent: boolean): void {
    const c = this.kinds.get(kindOf(key))!;
    c.deletes++;
    if (absent) c.absentDeletes++;
    c.wcu += factor;
  }
}

/** Whether the store holds the item, without a counted read (MemoryStore's private lookup). */
function holds(store: MemoryStore, key: ItemKey): boolean {
  const lookup = store as unknown as { partition(table: ItemKey['table'], pk: string): Map<string, Item> | undefined };
  return lookup.partition(key.table, key.pk)?.has(key.sk) ?? false;
}

// ---------------------------------------------------------------------------------------------
// One run

interface StageCount {
  /**
   * Wall time since the previous batch of any stage ended: the in-memory runner's batches run
   * to their end without yielding to timers (every await in them is a settled promise), so
   * batches of different stages do not interleave and this is the stage's time, plus the
   * runner's 1 ms idle polls.
   */
  ms: number;
  batches: number;
  dataIn: number;
  outputs: number;
  timersFired: number;
}

interface RunResult {
  label: string;
  slicing: boolean;
  events: number;
  ms: number;
  meter: StoreWriteMeter;
  itemsWrittenByStore: number;
  stages: Map<string, StageCount>;
  adds: number;
  merges: number;
  output: unknown[];
  deadLetters: number;
}

async function run(label: string, slicing: boolean, lines: string[], batchSize?: number): Promise<RunResult> {
  note(`hot-items ${label}: ${fmt(lines.length)} events…`);
  const job = hotItemsJob({ slicing });
  // Records per invocation of every stage (JobOptions.batchSize, a deployment setting; default 100).
  if (batchSize !== undefined) job.graph.options.batchSize = batchSize;
  const stages = new Map<string, StageCount>();
  let last = 0;
  const onBatch = (b: BatchResult) => {
    let s = stages.get(b.stage);
    if (!s) stages.set(b.stage, (s = { ms: 0, batches: 0, dataIn: 0, outputs: 0, timersFired: 0 }));
    const now = performance.now();
    s.ms += now - last;
    last = now;
    s.batches++;
    s.dataIn += b.dataIn;
    s.outputs += b.outputs;
    s.timersFired += b.timersFired;
  };
  const meter = new StoreWriteMeter();
  const { add, merge } = countEvents;
  let adds = 0;
  let merges = 0;
  countEvents.add = (p, n) => (adds++, add(p, n));
  countEvents.merge = (a, b) => (merges++, merge(a, b));
  const detach = meter.attach();
  let r: Awaited<ReturnType<typeof replayInMemory>>;
  let ms: number;
  try {
    const t0 = (last = performance.now());
    r = await replayInMemory(job, { purchases: lines }, { processingTime: 'event', onBatch });
    ms = performance.now() - t0;
  } finally {
    detach();
    countEvents.add = add;
    countEvents.merge = merge;
  }
  note(`hot-items ${label}: ${fmt(ms)} ms`);
  return {
    label,
    slicing,
    events: lines.length,
    ms,
    meter,
    itemsWrittenByStore: r.store.stats().itemsWritten,
    stages,
    adds,
    merges,
    output: r.sinks.values('hot-items'),
    deadLetters: r.deadLetters.length,
  };
}

const sortedJson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).sort();

function sameOutput(a: unknown[], b: unknown[]): boolean {
  const x = sortedJson(a);
  const y = sortedJson(b);
  return x.length === y.length && x.every((line, i) => line === y[i]);
}

/** The scenario oracle's rows in the sink's shape (windowStart, windowEnd, items). */
function oracle(purchases: Purchase[]): unknown[] {
  return expectedHotItems(purchases).map((w) => ({ windowStart: w.windowStart, windowEnd: w.windowEnd, items: w.items }));
}

// ---------------------------------------------------------------------------------------------

/** Runs the hot-items benchmark and prints its tables; returns false (and sets a non-zero exit code) when a check failed. */
export async function benchHotItems(args: string[] = process.argv.slice(2)): Promise<boolean> {
  const s = settings(args);
  const data = (events: number) => generatePurchases({ seed: s.seed, events, users: s.users, items: s.items, spanMs: s.spanMs, maxOutOfOrderMs: s.maxOutOfOrderMs });
  const small = data(s.smallEvents);
  const large = data(s.events);
  const smallLines = small.map((p) => JSON.stringify(p));
  const largeLines = large.map((p) => JSON.stringify(p));

  const errors: string[] = [];
  const results: RunResult[] = [];
  const checks = new Map<RunResult, string>();

  // Small data set: both variants, outputs compared with each other and with the oracle.
  const smallOracle = oracle(small);
  const slicedSmall = await run(`sliced, ${fmt(small.length)} ev, batch ${s.smallBatch}`, true, smallLines, s.smallBatch);
  results.push(slicedSmall);
  checks.set(slicedSmall, sameOutput(slicedSmall.output, smallOracle) ? 'oracle ok' : 'ORACLE MISMATCH');
  if (!sameOutput(slicedSmall.output, smallOracle)) errors.push(`sliced job on ${small.length} events: output differs from the scenario oracle`);
  if (s.perWindow) {
    const perWindowSmall = await run(`per-window, ${fmt(small.length)} ev, batch ${s.smallBatch}`, false, smallLines, s.smallBatch);
    results.push(perWindowSmall);
    const same = sameOutput(perWindowSmall.output, slicedSmall.output);
    checks.set(perWindowSmall, same ? 'same as sliced' : 'DIFFERS FROM SLICED');
    if (!same) {
      const a = sortedJson(slicedSmall.output);
      const b = sortedJson(perWindowSmall.output);
      const inA = new Set(a);
      const inB = new Set(b);
      errors.push(
        `hot-items output differs between slicing and per-window on the same ${small.length} events: ${a.length} vs ${b.length} records; ` +
          `first only in sliced: ${a.find((l) => !inB.has(l)) ?? '(none)'}; first only in per-window: ${b.find((l) => !inA.has(l)) ?? '(none)'}`,
      );
    }
  }

  // Large data set: the sliced job, against the oracle.
  const slicedLarge = await run(`sliced, ${fmt(large.length)} ev, batch ${hotItemsJob().graph.options.batchSize}`, true, largeLines);
  results.push(slicedLarge);
  note('hot-items: computing the oracle for the large data set');
  const largeSame = sameOutput(slicedLarge.output, oracle(large));
  checks.set(slicedLarge, largeSame ? 'oracle ok' : 'ORACLE MISMATCH');
  if (!largeSame) errors.push(`sliced job on ${large.length} events: output differs from the scenario oracle`);

  for (const r of results) {
    if (r.deadLetters > 0) errors.push(`${r.label}: ${r.deadLetters} dead letters`);
    if (r.meter.itemsWritten() !== r.itemsWrittenByStore) errors.push(`${r.label}: the write meter counted ${r.meter.itemsWritten()} items, MemoryStore.stats() ${r.itemsWrittenByStore}`);
  }

  // -------------------------------------------------------------------------------------------
  out();
  out(`H. hot-items: slicing vs per-window, in-memory backend (single Node process; one run each, no warm-up: every run takes seconds)`);
  out(`   purchases: generatePurchases seed ${s.seed}, ${fmt(s.users)} users, ${fmt(s.items)} items (Zipf 1.1), span ${fmt(s.spanMs / 60_000)} min, out of order ≤ ${fmt(s.maxOutOfOrderMs)} ms;`);
  out(`   ${fmt(s.smallEvents)} events (both variants) and ${fmt(s.events)} events (sliced only${s.perWindow ? '' : '; per-window skipped'}). Wall time = replayInMemory only.`);
  const per = (n: number, r: RunResult) => n / r.events;
  const stage = (r: RunResult, id: string) => r.stages.get(id) ?? { ms: 0, batches: 0, dataIn: 0, outputs: 0, timersFired: 0 };
  const STAGES = ['source-purchases', 'item-counts', 'top-items'];
  table(
    ['run', 'events', 'wall ms', 'events/s', 'window results', 'results/event', 'results/s', 'acc. adds/ev', 'acc. merges/ev', 'batches src/win/top', '% time src/win/top', 'check'],
    results.map((r) => {
      const win = stage(r, 'item-counts');
      return [
        r.label,
        fmt(r.events),
        fmt(r.ms),
        fmt(r.events / (r.ms / 1000)),
        fmt(win.outputs),
        fmt(per(win.outputs, r), 1),
        fmt(win.outputs / (r.ms / 1000)),
        fmt(per(r.adds, r), 1),
        fmt(per(r.merges, r), 1),
        STAGES.map((id) => stage(r, id).batches).join('/'),
        STAGES.map((id) => fmt((100 * stage(r, id).ms) / r.ms)).join('/'),
        checks.get(r) ?? '',
      ];
    }),
  );
  out('   window results = ItemCount records the window stage emits (one per item and window holding it); % time: wall time between');
  out('   batch ends, attributed to the stage whose batch ended (batches do not interleave in memory).');

  const k = (r: RunResult, kind: Kind) => r.meter.kinds.get(kind)!;
  const items = (r: RunResult, kind: Kind) => k(r, kind).puts + k(r, kind).deletes;
  out();
  out('   window operator state (s#item-counts#…), per input event: items written (puts + deletes), bytes put (DynamoDB item size),');
  out('   write units by the published rules (⌈size / 1 KB⌉ per put, 1 per delete; ×2 inside a transaction = commit())');
  table(
    ['run', 'puts/ev', 'deletes/ev', 'bytes/ev', 'mean item', 'max item', 'WCU/1k ev'],
    results.map((r) => {
      const w = k(r, 'window state');
      return [r.label, fmt(per(w.puts, r), 3), fmt(per(w.deletes, r), 3), fmt(per(w.bytes, r)), `${fmt(w.puts ? w.bytes / w.puts : 0)} B`, `${fmt(w.maxItemBytes)} B`, fmt(per(w.wcu, r) * 1000)];
    }),
  );
  out();
  out('   everything the job writes, per input event: items (puts + deletes) / bytes; deletes of items the store did not hold');
  out('   (created and removed within one batch; DynamoDB charges them all the same); total write units per 1,000 events');
  table(
    ['run', 'window state', 'top-10 state', 'timers', 'checkpoints', 'redo logs', 'all', 'of which deletes of absent items', 'WCU/1k ev', 'commits + batch writes'],
    results.map((r) => {
      const cell = (...kinds: Kind[]) => `${fmt(per(kinds.reduce((n, x) => n + items(r, x), 0), r), 2)} / ${fmt(per(kinds.reduce((n, x) => n + k(r, x).bytes, 0), r))} B`;
      return [
        r.label,
        cell('window state'),
        cell('top-10 state'),
        cell('timers'),
        cell('checkpoints'),
        cell('redo'),
        `${fmt(per(r.meter.itemsWritten(), r), 2)} / ${fmt(per(r.meter.total('bytes'), r))} B`,
        fmt(per(KINDS.reduce((n, x) => n + k(r, x).absentDeletes, 0), r), 2),
        fmt(per(r.meter.total('wcu'), r) * 1000),
        `${fmt(r.meter.commits)} + ${fmt(r.meter.batchWrites)}`,
      ];
    }),
  );

  if (s.perWindow && results.length >= 3) {
    const [a, b] = results;
    const ratio = (x: number, y: number) => (y === 0 ? 'n/a' : `${(x / y).toFixed(1)}×`);
    const w = (r: RunResult) => k(r, 'window state');
    out();
    out(
      `   per-window / sliced on the same ${fmt(a.events)} events: wall time ${ratio(b.ms, a.ms)}, accumulator adds ${ratio(b.adds, a.adds)}, ` +
        `window-state items ${ratio(items(b, 'window state'), items(a, 'window state'))}, bytes ${ratio(w(b).bytes, w(a).bytes)}, WCU ${ratio(w(b).wcu, w(a).wcu)}; ` +
        `all writes: bytes ${ratio(b.meter.total('bytes'), a.meter.total('bytes'))}, WCU ${ratio(b.meter.total('wcu'), a.meter.total('wcu'))}`,
    );
  }
  out();
  if (errors.length === 0) out('   checks: ok (outputs identical between variants and equal to the scenario oracle; no dead letters; write meter = MemoryStore.stats())');
  else {
    for (const e of errors) {
      out(`   ERROR: ${e}`);
      process.stderr.write(`bench: hot-items ERROR: ${e}\n`);
    }
    process.exitCode = 1;
  }
  return errors.length === 0;
}

// Standalone: node bin/run-ts.mjs bench/hot-items.ts [options]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  out(`eddy bench (hot-items only) — ${new Date().toISOString()}`);
  out(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  const started = performance.now();
  await benchHotItems();
  out();
  out(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
}
