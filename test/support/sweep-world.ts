/**
 * A job's checkpoints in memory, set by hand, and a clock the test moves: what the sweep reads,
 * without any stage running (ticks land in the keyed stage's input stream and stay there).
 */
import { Job, KeyedProcessFunction, KinesisSink, KinesisSource, WatermarkStrategy, type Collector, type KeyedContext } from '../../lib/api/index.ts';
import { MemorySinkWriter } from '../../lib/connectors/memory-sink.ts';
import { MemoryStreams } from '../../lib/local/memory-streams.ts';
import { planJob } from '../../lib/plan/planner.ts';
import { checkpointItem, initialCheckpoint, NO_TIMER, type Checkpoint } from '../../lib/runtime/checkpoint.ts';
import type { RuntimeServices } from '../../lib/runtime/task.ts';
import { MemoryStore } from '../../lib/state/memory-store.ts';

export const IDLENESS_MS = 30_000;
export const OUT_OF_ORDERNESS_MS = 5_000;

interface Ping { id: string; ts: number }

class Echo extends KeyedProcessFunction<string, Ping, Ping> {
  processElement(p: Ping, _ctx: KeyedContext<string>, out: Collector<Ping>) {
    out.collect(p);
  }
}

/** Pings keyed by id through one keyed stage; with `idle`, the job advances an idle watermark (idleness 30 s, out of order 5 s). */
export function pingJob(idle: boolean): Job {
  const job = new Job(idle ? 'sweep-idle' : 'sweep', { idleWatermarkAdvance: idle });
  let strategy = WatermarkStrategy.forBoundedOutOfOrderness<Ping>(OUT_OF_ORDERNESS_MS).withTimestampAssigner((p) => p.ts);
  if (idle) strategy = strategy.withIdleness(IDLENESS_MS);
  job.fromSource(KinesisSource.json<Ping>('pings'), strategy).keyBy((p) => p.id).process(new Echo(), { uid: 'echo' })
    .sinkTo(KinesisSink.json('echoes', { partitionKey: (p) => p.id }));
  return job;
}

export interface SweepWorld {
  job: Job;
  plan: ReturnType<typeof planJob>;
  services: RuntimeServices;
  streams: MemoryStreams;
  /** The keyed stage's id, input stream and its shards' ids. */
  keyed: { id: string; stream: string; shards: string[] };
  sourceShards: string[];
  setClock(now: number): void;
  /** Stores a keyed shard's checkpoint: no timers and long quiet, but for `patch`. */
  setKeyed(shard: string, patch: Partial<Checkpoint>): Promise<void>;
  setSourceLastData(shard: string, lastDataAt: number): Promise<void>;
  /** The shards the sweep's ticks went to, in order. */
  tickedShards(): Promise<string[]>;
}

export async function openSweepWorld(options: { idle: boolean; keyedShards: number; sourceShards: number; now: number }): Promise<SweepWorld> {
  const job = pingJob(options.idle);
  const plan = planJob(job.graph);
  const [source, keyed] = plan.stages;
  const streams = new MemoryStreams();
  for (const s of plan.streams) streams.createStream(s.name, s.name === keyed.input.stream ? options.keyedShards : s.name === source.input.stream ? options.sourceShards : s.shards);
  const store = new MemoryStore();
  let clock = options.now;
  const services: RuntimeServices = { store, streams, sinks: new MemorySinkWriter(), processingTime: 'system', wallClock: () => clock };
  const put = (stage: string, shard: string, cp: Checkpoint) => store.writeBatch([checkpointItem(stage, shard, cp)], []);
  return {
    job,
    plan,
    services,
    streams,
    keyed: { id: keyed.id, stream: keyed.input.stream, shards: streams.shardList(keyed.input.stream).map((s) => s.shardId) },
    sourceShards: streams.shardList(source.input.stream).map((s) => s.shardId),
    setClock: (now) => void (clock = now),
    setKeyed: (shard, patch) => put(keyed.id, shard, { ...initialCheckpoint(), version: 1, nextTimer: { E: NO_TIMER, P: NO_TIMER }, ...patch }),
    setSourceLastData: (shard, lastDataAt) => put(source.id, shard, { ...initialCheckpoint(), version: 1, lastDataAt, updatedAt: lastDataAt }),
    tickedShards: async () => {
      const shards = streams.shardList(keyed.input.stream);
      const read = await Promise.all(shards.map(async (s) => (await streams.read(keyed.input.stream, s.shardId, undefined, 10_000)).map((r) => ({ shard: s.shardId, seq: BigInt(r.seq) }))));
      return read.flat().sort((a, b) => (a.seq < b.seq ? -1 : 1)).map((r) => r.shard);
    },
  };
}
