/**
 * The exactly-once promise under crashes: the order-timeout job replayed in memory with
 * crashes at random points of the batch lifecycle (before, during and after emitting, in the
 * middle of applying a redo-logged commit, after committing) and duplicated deliveries must
 * produce exactly the outputs of a run without chaos — and of the independent oracle.
 */
import { describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import { generateOrderStream } from '../../scenario/order-timeout/generator.ts';
import { expectedOrderTimeout, sortRows } from '../../scenario/order-timeout/oracle.ts';

const events = generateOrderStream({ seed: 77, orders: 120 });
const lines = events.map((e) => JSON.stringify(e));
const expected = expectedOrderTimeout(events);

/** Runs the order-timeout job on one backend: per-key items, or log-structured with small batches and a snapshot every few KB of log (so that crashes hit both ways of committing, and restores). */
async function onBackend<T>(backend: 'items' | 'log', run: () => Promise<T>): Promise<T> {
  const saved = { ...job.graph.options };
  Object.assign(job.graph.options, backend === 'items' ? { stateBackend: backend } : { stateBackend: backend, batchSize: 10, changelog: { minLogBytes: 2_000, logToSnapshotRatio: 1 } });
  try {
    return await run();
  } finally {
    Object.assign(job.graph.options, saved);
  }
}

const ways = { items: ['atomic', 'redo'], log: ['log', 'snapshot'] } as const;

for (const backend of ['log', 'items'] as const) describe(`replay under chaos (${backend} backend)`, () => {
  it(`a clean run commits both ways: ${ways[backend].join(' and ')}`, async () => {
    const batches: BatchResult[] = [];
    await onBackend(backend, () => replayInMemory(job, { orders: lines }, { onBatch: (b) => batches.push(b) }));
    for (const way of ways[backend]) expect(batches.some((b) => b.commit === way), way).toBe(true);
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`chaos 0.4, seed ${seed}: outputs equal the clean run`, async () => {
      const { sinks, chaos, deadLetters } = await onBackend(backend, () => replayInMemory(job, { orders: lines }, { chaos: { probability: 0.4, seed } }));
      const crashes = Object.values(chaos ?? {}).reduce((n, c) => n + (c ?? 0), 0);
      expect(crashes).toBeGreaterThan(0);
      expect(deadLetters).toEqual([]);
      expect(sortRows(sinks.values('paid') as object[])).toEqual(sortRows(expected.paid));
      expect(sortRows(sinks.values('timeouts') as object[])).toEqual(sortRows(expected.timeouts));
      expect(sortRows(sinks.values('late-payments') as object[])).toEqual(sortRows(expected.latePayments));
    });
  }
});
