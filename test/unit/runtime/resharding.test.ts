/**
 * Resharding (issue 3 §5): splitting and merging the shards of a stage's input stream while a
 * job runs keeps each key's records in order and the results exact. Children are read only
 * after their parents; a child starts from its parents' checkpoints (consumed upstream
 * positions, watermarks); senders with a stale shard map have their records ignored by the
 * shard they land in and send them again.
 */
import { describe, expect, it } from 'vitest';
import { MIN_WATERMARK } from '../../../lib/api/time.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { EventSourceRunner } from '../../../lib/local/event-source-runner.ts';
import { allStagesEnded } from '../../../lib/local/idle.ts';
import { taskInvoker } from '../../../lib/local/invokers.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { endSource, feedSource } from '../../../lib/local/replay.ts';
import { hashKeyOf } from '../../../lib/plan/partitioning.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import { ChaosCrash, createChaos } from '../../../lib/runtime/chaos.ts';
import { checkpointItem, initialCheckpoint, NO_TIMER, type Checkpoint } from '../../../lib/runtime/checkpoint.ts';
import { sweepOnce } from '../../../lib/runtime/sweep.ts';
import { consumedOrigin, inheritCheckpoint, pruneInheritedOrigins } from '../../../lib/runtime/resharding.ts';
import type { ShardInfo, StreamClient } from '../../../lib/runtime/stream-client.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { InputWatermark } from '../../../lib/time/watermarks.ts';
import job, { expectedSeen, generateSteps, type Step } from '../../fixtures/sequence-job.ts';

const HALF = 1n << 127n;
const TOP = (1n << 128n) - 1n;
const shard = (shardId: string, start: bigint, end: bigint, parents: string[] = [], closed = false): ShardInfo => ({ shardId, start, end, parents, closed });
const cp = (patch: Partial<Checkpoint>): Checkpoint => ({ ...initialCheckpoint(), ...patch });

describe('a child shard inherits its parents’ checkpoints', () => {
  it('a split child takes over the consumed positions, watermarks and clock; timers are looked up once', () => {
    const parent = shard('p', 0n, TOP, [], true);
    const child = shard('c1', 0n, HALF - 1n, ['p']);
    const stored = cp({ version: 9, seq: '77', origins: { 'up/a': { seq: '5', index: 3 } }, watermarks: { 'up/a': 500 }, clock: 900, maxTimestamp: 950, nextTimer: { E: 2000, P: 3000 }, emittedWatermark: 499 });
    const inherited = inheritCheckpoint(child, [parent, child], (id) => (id === 'p' ? stored : undefined))!;
    expect(inherited.origins).toEqual({ 'up/a': { seq: '5', index: 3 } });
    expect(inherited.inheritedOrigins).toBeUndefined();
    expect(inherited.watermarks).toEqual({ 'up/a': 500 });
    expect(inherited.seq).toBeUndefined();
    expect(inherited).toMatchObject({ version: 0, clock: 900, maxTimestamp: 950, emittedWatermark: MIN_WATERMARK });
    expect(inherited.nextTimer).toEqual({ E: MIN_WATERMARK, P: MIN_WATERMARK });
  });

  it('a merged child keeps each parent’s positions for the parent’s hash range only', () => {
    const a = shard('a', 0n, HALF - 1n, [], true);
    const b = shard('b', HALF, TOP, [], true);
    const m = shard('m', 0n, TOP, ['a', 'b']);
    const cps: Record<string, Checkpoint> = {
      a: cp({ origins: { 'up/x': { seq: '9', index: 7 } }, watermarks: { 'up/x': 100 } }),
      b: cp({ origins: { 'up/x': { seq: '9', index: 2 } }, watermarks: { 'up/x': 300 }, ended: true }),
    };
    const merged = inheritCheckpoint(m, [a, b, m], (id) => cps[id])!;
    expect(merged.origins).toEqual({});
    expect(merged.watermarks).toEqual({ 'up/x': 300 });
    expect(merged.ended).toBe(false);
    // Keys on either side of the middle: each sees its own parent's position.
    const keyIn = (lo: bigint, hi: bigint) => Array.from({ length: 100 }, (_, i) => `key-${i}`).find((k) => hashKeyOf(k) >= lo && hashKeyOf(k) <= hi)!;
    expect(consumedOrigin(merged, 'up/x', keyIn(0n, HALF - 1n))).toEqual({ seq: '9', index: 7 });
    expect(consumedOrigin(merged, 'up/x', keyIn(HALF, TOP))).toEqual({ seq: '9', index: 2 });
    expect(consumedOrigin(merged, 'up/other', keyIn(HALF, TOP))).toBeUndefined();
    // Once the child's own position passes both, the inherited ones are dropped.
    merged.origins['up/x'] = { seq: '9', index: 5 };
    pruneInheritedOrigins(merged);
    expect(merged.inheritedOrigins).toHaveLength(1);
    merged.origins['up/x'] = { seq: '10', index: 0 };
    pruneInheritedOrigins(merged);
    expect(merged.inheritedOrigins).toBeUndefined();
  });

  it('inherits through a parent that never committed, and not at all when no ancestor did', () => {
    const g = shard('g', 0n, TOP, [], true);
    const p1 = shard('p1', 0n, HALF - 1n, ['g'], true);
    const c = shard('c', 0n, HALF / 2n, ['p1']);
    const listing = [g, p1, c];
    const fromGrandparent = inheritCheckpoint(c, listing, (id) => (id === 'g' ? cp({ origins: { 'up/x': { seq: '3', index: 0 } }, clock: 42 }) : undefined))!;
    expect(fromGrandparent.origins).toEqual({ 'up/x': { seq: '3', index: 0 } });
    expect(fromGrandparent.clock).toBe(42);
    expect(inheritCheckpoint(c, listing, () => undefined)).toBeUndefined();
  });

  it('a downstream waits for a new upstream shard no less than for its parents', () => {
    const wm = new InputWatermark(['up/c1', 'up/c2', 'up/q'], { 'up/p': 700, 'up/q': 900 }, MIN_WATERMARK, { 'up/c1': ['up/p'], 'up/c2': ['up/p'] });
    expect(wm.current()).toBe(700);
    expect(wm.update('up/c1', 800)).toBe(false); // c2 still at its parent's 700
    expect(wm.update('up/c2', 850)).toBe(true);
    expect(wm.current()).toBe(800);
  });
});

/** Serves a shard listing as old as the last `fresh` request was not: what a cached client sees after a reshard. */
class StaleListings implements StreamClient {
  private readonly snapshots = new Map<string, ShardInfo[]>();
  constructor(private readonly inner: MemoryStreams) {}
  async listShards(stream: string, options: { fresh?: boolean } = {}) {
    const fresh = await this.inner.listShards(stream);
    if (options.fresh) return fresh;
    if (!this.snapshots.has(stream)) this.snapshots.set(stream, fresh);
    return this.snapshots.get(stream)!;
  }
  putRecords(...args: Parameters<StreamClient['putRecords']>) {
    return this.inner.putRecords(...args);
  }
}

type Reshard = (memory: MemoryStreams, streams: { source: string; keyed: string }) => void;

interface ReshardRun {
  /** `busy`: reshard while the stages work on the part just fed. `between-emit-and-commit`: the source stage's batch has sent its envelopes, then the streams are resharded and the batch crashes, so its retry re-sends them to the children. */
  when: 'busy' | 'between-emit-and-commit';
  chaos?: { probability: number; seed: number };
}

async function runWithResharding(steps: Step[], phases: Reshard[], options: ReshardRun) {
  const plan = planJob(job.graph);
  const memory = new MemoryStreams();
  for (const s of plan.streams) memory.createStream(s.name, s.shards);
  const chaos = options.chaos && createChaos(options.chaos);
  const sinks = new MemorySinkWriter();
  const services: RuntimeServices = { store: new MemoryStore(), streams: new StaleListings(memory), sinks, processingTime: 'event', wallClock: () => Date.now(), faults: chaos?.inject };
  const batches: BatchResult[] = [];
  const [source, keyed] = plan.stages;
  const names = { source: source.input.stream, keyed: keyed.input.stream };
  // The source stage runs on its own services so that only its batches reshard-and-crash.
  const pending: Reshard[] = [];
  const sourceServices: RuntimeServices = {
    ...services,
    faults: (point) => {
      chaos?.inject(point);
      if (point !== 'after-emit' || pending.length === 0) return;
      pending.shift()!(memory, names);
      throw new ChaosCrash(point);
    },
  };
  const invokers = { [source.id]: taskInvoker(job, plan, sourceServices, (b) => batches.push(b)), [keyed.id]: taskInvoker(job, plan, services, (b) => batches.push(b)) };
  const runner = new EventSourceRunner({
    plan, streams: services.streams, reader: memory, invoke: (stage, ...rest) => invokers[stage](stage, ...rest),
    pollIntervalMs: 1, discoveryIntervalMs: 20, retryBackoff: { baseMs: 1, maxMs: 10 }, duplicateDelivery: chaos?.duplicate,
  });
  runner.start();
  const lines = steps.map((s) => JSON.stringify(s));
  const part = Math.ceil(lines.length / (phases.length + 1));
  for (let i = 0; i <= phases.length; i++) {
    await feedSource(job, services, 'steps', names.source, lines.slice(i * part, (i + 1) * part));
    if (i === phases.length) break;
    if (options.when === 'busy') {
      // Reshard while the stages are busy with this part, before they catch up.
      await runner.waitFor(async () => batches.length > 2 * (i + 1));
      phases[i](memory, names);
    } else {
      pending.push(phases[i]);
      await runner.waitFor(async () => pending.length === 0);
    }
  }
  await endSource(services, names.source);
  await runner.waitFor(async () => runner.caughtUp() && (await allStagesEnded(plan, memory, services.store)), 60_000);
  await runner.stop();
  const values = sinks.values('seen') as Record<string, unknown>[];
  const total = (field: 'misrouted' | 'duplicates') => batches.reduce((n, b) => n + b[field], 0);
  return { batches, memory, names, seen: values.filter((v) => 'n' in v), timers: values.filter((v) => 'at' in v), misrouted: total('misrouted'), duplicates: total('duplicates') };
}

const byKeyAndN = (a: any, b: any) => (a.key < b.key ? -1 : a.key > b.key ? 1 : (a.n ?? a.at) - (b.n ?? b.at));
const openShards = (memory: MemoryStreams, stream: string) => memory.shardList(stream).filter((s) => !s.closed);

const splitEvery: Reshard = (memory, { source, keyed }) => {
  for (const stream of [source, keyed]) for (const s of openShards(memory, stream)) memory.splitShard(stream, s.shardId, s.start + (s.end - s.start + 1n) / 2n);
};
const mergeFirstTwo: Reshard = (memory, { source, keyed }) => {
  for (const stream of [source, keyed]) {
    const [a, b] = openShards(memory, stream).sort((x, y) => (x.start < y.start ? -1 : 1));
    memory.mergeShards(stream, a.shardId, b.shardId);
  }
};

describe('a job resharded while it runs', () => {
  const steps = generateSteps(40, 30);
  const expected = expectedSeen(steps);
  const expectExact = (run: Awaited<ReturnType<typeof runWithResharding>>) => {
    expect(run.seen.sort(byKeyAndN)).toEqual([...expected.seen].sort(byKeyAndN));
    expect(run.timers.sort(byKeyAndN)).toEqual([...expected.timers].sort(byKeyAndN));
  };

  it('split then merge of both streams: every step once, in order per key, every timer once', async () => {
    const run = await runWithResharding(steps, [splitEvery, mergeFirstTwo], { when: 'busy' });
    expectExact(run);
    // The resharding was real: 2 → 4 → 3 keyed shards, and stale shard maps were corrected.
    expect(openShards(run.memory, run.names.keyed)).toHaveLength(3);
    expect(run.batches.some((b) => b.shard === 'shardId-000000000006')).toBe(true);
    expect(run.misrouted).toBeGreaterThan(0);
  });

  it('a batch retried after its outputs were consumed by parents is not applied again by the children', async () => {
    const run = await runWithResharding(steps, [splitEvery, mergeFirstTwo, splitEvery], { when: 'between-emit-and-commit' });
    expectExact(run);
    expect(run.duplicates).toBeGreaterThan(0);
  });

  for (const seed of [1, 2, 3]) {
    it(`with chaos 0.2 (seed ${seed}) too`, async () => {
      expectExact(await runWithResharding(steps, [splitEvery, mergeFirstTwo, splitEvery], { when: seed % 2 ? 'busy' : 'between-emit-and-commit', chaos: { probability: 0.2, seed } }));
    });
  }
});

describe('the sweep after a split', () => {
  it('ticks the children of a parent whose processing-time timer is due, though they never committed', async () => {
    const plan = planJob(job.graph);
    const keyed = plan.stages[1];
    const memory = new MemoryStreams();
    for (const s of plan.streams) memory.createStream(s.name, s.shards);
    const store = new MemoryStore();
    const parent = memory.shardList(keyed.input.stream)[0];
    await store.writeBatch([checkpointItem(keyed.id, parent.shardId, cp({ version: 3, seq: '5', nextTimer: { E: NO_TIMER, P: 1_000 }, updatedAt: 0 }))], []);
    const [low, high] = memory.splitShard(keyed.input.stream, parent.shardId, parent.start + (parent.end - parent.start) / 2n);
    const services: RuntimeServices = { store, streams: memory, sinks: new MemorySinkWriter(), processingTime: 'system', wallClock: () => 60_000 };
    const before = await sweepOnce(job, plan, services, { now: 500 });
    expect(before.ticks).toEqual([]);
    const due = await sweepOnce(job, plan, services, { now: 60_000 });
    expect(due.ticks.map((t) => t.shard).sort()).toEqual([low.shardId, high.shardId].sort());
  });
});
