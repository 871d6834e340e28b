import type { Job } from '../api/job.ts';
import type { SinkWriter } from '../connectors/sink-writer.ts';
import type { HashRange } from '../plan/partitioning.ts';
import { stageById, type Plan, type PlanStage } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import type { ShardState } from '../state/log/shard-state.ts';
import { shardLayout, type ShardLayout } from '../state/log/layout.ts';
import type { KeyValueStore } from '../state/store.ts';
import type { FaultInjector } from './chaos.ts';
import { StageChain } from './chain.ts';
import { BatchOutputs } from './outputs.ts';
import type { ShardInfo, StreamClient } from './stream-client.ts';

/** The upstream shards a keyed stage shard takes watermarks from (see {@link StageTask.upstreamShards}). */
export interface UpstreamShards {
  ids: string[];
  lineage: Record<string, string[]>;
}

/** The services a stage runs on; the handler builds them from the environment. */
export interface RuntimeServices {
  store: KeyValueStore;
  streams: StreamClient;
  sinks: SinkWriter;
  /**
   * `system`: processing time is the wall clock. `event`: simulated, processing time follows
   * the event time a shard has processed (replay), so runs are deterministic.
   */
  processingTime: 'system' | 'event';
  wallClock(): number;
  /** Chaos: crashes the batch at chosen points (tests and `--chaos` runs only). */
  faults?: FaultInjector;
}

/**
 * One stage on one shard, as a Lambda container keeps it between invocations: the opened
 * operator chain and what it learned about the streams. `runBatch` does the work.
 *
 * @example
 * ```ts
 * const task = await StageTask.create(job, 'order-timeout', 'shardId-000000000000', services);
 * const result = await runBatch(task, records);
 * ```
 */
export class StageTask {
  readonly chain: StageChain;
  outputs: BatchOutputs;
  /** The checkpoint version whose redo log this container applied itself (see commit.ts). */
  appliedVersion: number | undefined;
  /**
   * Log-structured backend: this container's copy of the shard's state, a cache checked
   * against the stored checkpoint's version before every batch (lib/state/log/restore.ts).
   */
  shardState: ShardState | undefined;
  private shardCache: (ShardInfo & { listing: ShardInfo[] }) | undefined;

  private constructor(
    readonly job: Job,
    readonly plan: Plan,
    readonly stage: PlanStage,
    readonly shardId: string,
    readonly services: RuntimeServices,
  ) {
    this.outputs = new BatchOutputs(stage.id, shardId);
    this.chain = new StageChain(job.graph, stage, () => this.outputs, shardId);
  }

  static async create(job: Job, stageId: string, shardId: string, services: RuntimeServices, plan = planJob(job.graph)): Promise<StageTask> {
    const task = new StageTask(job, plan, stageById(plan, stageId), shardId, services);
    await task.chain.keyed?.open();
    return task;
  }

  /** True when this stage keeps its keyed state and timers log-structured (lib/state/log/). */
  get logStructured(): boolean {
    return this.stage.kind === 'keyed' && this.stage.stateBackend === 'log';
  }

  /** Where this shard's log-structured state is stored and how its items are placed. */
  stateLayout(): ShardLayout {
    return shardLayout(this.plan, this.stage.id, this.shardId);
  }

  /** A fresh output buffer for the next batch. */
  resetOutputs(): BatchOutputs {
    this.outputs = new BatchOutputs(this.stage.id, this.shardId);
    return this.outputs;
  }

  /** The hash range of this task's shard (where its timers live). */
  async hashRange(): Promise<HashRange> {
    const own = await this.ownShard();
    return { start: own.start, end: own.end };
  }

  /** This task's shard as the stream lists it, and the listing (for its parents after resharding). */
  async ownShard(): Promise<ShardInfo & { listing: ShardInfo[] }> {
    if (!this.shardCache) {
      const stream = this.stage.input.stream;
      let listing = await this.services.streams.listShards(stream);
      // A shard just born of a split or merge is missing from a cached listing.
      if (!listing.some((s) => s.shardId === this.shardId)) listing = await this.services.streams.listShards(stream, { fresh: true });
      const own = listing.find((s) => s.shardId === this.shardId);
      if (!own) throw new Error(`stream ${stream} has no shard ${this.shardId}`);
      this.shardCache = { ...own, listing };
    }
    return this.shardCache;
  }

  /**
   * Every open upstream `stage/shard` whose watermark this shard waits for, and the parents
   * of each (a shard split or merged from others starts from their watermarks). A sender
   * missing from a cached listing means the upstream was resharded: the listing is re-read.
   */
  async upstreamShards(senders: readonly string[] = []): Promise<UpstreamShards> {
    const cached = await this.listUpstreams(false);
    const known = new Set([...cached.ids, ...Object.keys(cached.lineage), ...Object.values(cached.lineage).flat()]);
    const upstreamStages = new Set(this.stage.upstream);
    const unknown = senders.some((s) => upstreamStages.has(s.slice(0, s.indexOf('/'))) && !known.has(s));
    return unknown ? this.listUpstreams(true) : cached;
  }

  private async listUpstreams(fresh: boolean): Promise<UpstreamShards> {
    const ids: string[] = [];
    const lineage: Record<string, string[]> = {};
    for (const up of this.stage.upstream) {
      const stream = stageById(this.plan, up).input.stream;
      for (const s of await this.services.streams.listShards(stream, { fresh })) {
        if (s.parents.length > 0) lineage[`${up}/${s.shardId}`] = s.parents.map((p) => `${up}/${p}`);
        if (!s.closed) ids.push(`${up}/${s.shardId}`);
      }
    }
    return { ids, lineage };
  }
}
