/**
 * How much JS heap a container needs for the state it holds: builds state items (as
 * `lib/state/` writes them: pk, sk, a JSON value, TTL attributes) of a few sizes, holds them in
 * a Map by item id — as a container's cache would — and compares the heap they take with their
 * stored size (`storedItemSize`). The difference per item is about constant: `eddy cost`
 * estimates a container's heap as the stored bytes it holds plus that much per item
 * (HEAP_BYTES_PER_HELD_ITEM in lib/cost/environments.ts); docs/benchmarks.md records the run.
 *
 * Run: node --expose-gc bin/run-ts.mjs bench/heap-factor.ts [--items=N]
 */
import { storedItemSize } from '../lib/cost/units.ts';
import { itemId, type Item } from '../lib/state/store.ts';
import { fmt, out, table } from './report.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const count = Number(process.argv.find((a) => a.startsWith('--items='))?.split('=')[1] ?? 200_000);

/** A state item of a keyed stage: key `o-…`, a value of about `valueBytes` of JSON, TTL attributes. */
function stateItem(i: number, valueBytes: number): Item {
  const value = JSON.stringify({ userId: `u-${i % 100_000}`, createdTs: 1_700_000_000_000 + i, pad: 'x'.repeat(Math.max(0, valueBytes - 60)) });
  return { table: 'state', pk: `s#order-timeout#"o-${String(i).padStart(8, '0')}"`, sk: 'created', attrs: { v: value, exp: 1_700_003_600_000 + i, expiresAt: 1_700_003_600 + (i % 1000) } };
}

function measure(valueBytes: number): [number, number, number, number] {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const held = new Map<string, Item>();
  let stored = 0;
  for (let i = 0; i < count; i++) {
    const item = stateItem(i, valueBytes);
    held.set(itemId(item), item);
    stored += storedItemSize(item);
  }
  gc!();
  const heap = process.memoryUsage().heapUsed - before;
  if (held.size !== count) throw new Error('lost items');
  return [stored / count, heap / count, (heap - stored) / count, heap / stored];
}

out(`heap per stored byte, ${fmt(count)} state items held in a Map by item id (node ${process.version})`);
table(['value bytes', 'stored B/item', 'heap B/item', 'heap - stored, B/item', 'heap / stored'], [60, 200, 1000, 4000].map((v) => {
  const [stored, heap, overhead, factor] = measure(v);
  return [v, fmt(stored), fmt(heap), fmt(overhead), fmt(factor, 2)];
}));
