/**
 * The stage harness of `eddy/testing`: one stage of a job, fed batch by batch, its keyed state
 * and timers readable between batches — Flink's `KeyedOneInputStreamOperatorTestHarness` for an
 * eddy stage. It runs the stage's real code (lib/runtime/batch.ts) on the in-memory store and
 * streams; each batch is built as the stage's upstream would send it (lib/local/stage-event.ts:
 * a source stage gets the records as lines, a keyed stage gets them as payloads keyed by the
 * upstream's `keyBy`, with the upstream source's event time and watermark).
 */
import type { Job } from '../api/job.ts';
import { listTimers, readKeyState, type StateEntry } from '../runtime/inspect.ts';
import { MemorySinkWriter } from '../connectors/memory-sink.ts';
import { taskInvoker } from '../local/invokers.ts';
import { MemoryStreams } from '../local/memory-streams.ts';
import { buildStageRecords, evenShards, type StageEventOptions } from '../local/stage-event.ts';
import { stageById, type Plan, type PlanStage } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import { readDeadLetters, type DeadLetter } from '../runtime/dead-letters.ts';
import { decodeEnvelopes, isControlRecord } from '../runtime/envelope.ts';
import { decodeKey } from '../runtime/keys.ts';
import type { StageInvoker } from '../local/event-source-runner.ts';
import type { RuntimeServices } from '../runtime/task.ts';
import { MemoryStore } from '../state/memory-store.ts';

/** What one fed batch made the stage do. */
export interface StageBatchOutput {
  /** Records written to each sink, by sink name. */
  sinks: Record<string, unknown[]>;
  /** Records sent to each downstream stage, by stage id (data only; watermarks are not listed). */
  downstream: Record<string, unknown[]>;
  /** Records of this batch the stage dead-lettered. */
  deadLetters: DeadLetter[];
}

/** A pending timer of the stage, its key decoded. */
export interface PendingTimer {
  key: string | number;
  /** Event time or processing time. */
  domain: 'event' | 'processing';
  ts: number;
  /** A window's namespace for window timers, `-` for a process function's own. */
  namespace: string;
}

export interface FeedOptions {
  /** Keyed stage: the watermark after these records (epoch ms); default what the upstream source would send after them. */
  watermark?: number | 'none';
  /** Keyed stage: end of input after these records (every timer fires, as at the end of a replay). */
  end?: boolean;
  /** Keyed stage: this key for every record instead of the upstream's `keyBy` selector. */
  key?: string | number;
}

/**
 * @example
 * ```ts
 * import { StageHarness } from 'eddy/testing';
 * import job from '../jobs/orders.ts';
 *
 * const stage = await StageHarness.open(job, 'order-timeout');
 * await stage.feed([{ orderId: 'o-1', type: 'created', ts: 0 }]);
 * await stage.state('o-1');   // [{ state: 'deadline', kind: 'value', value: 1800000, ... }]
 * await stage.timers();       // [{ key: 'o-1', domain: 'event', ts: 1800000, namespace: '-' }]
 * const { sinks } = await stage.feed([], { watermark: 1_800_000 });
 * sinks.timeouts;             // [{ orderId: 'o-1', ... }]
 * ```
 */
export class StageHarness {
  private readonly sinks = new MemorySinkWriter();
  private readonly streams = new MemoryStreams();
  private readonly store = new MemoryStore();
  private readonly services: RuntimeServices;
  private readonly invoke: StageInvoker;
  /** Records numbered so far: each batch's positions are new, so none is taken for a re-delivery. */
  private numbered = 0;
  private sinkRecordsSeen = 0;
  private readonly downstreamSeen = new Map<string, number>();
  private readonly deadLettersSeen = new Set<string>();

  private constructor(
    private readonly job: Job,
    private readonly plan: Plan,
    private readonly stage: PlanStage,
  ) {
    // The stage's own input has the plan's shards (records are routed to them as Kinesis would);
    // every other stream one shard, so that the upstream's watermark is the one the harness sends.
    for (const s of plan.streams) this.streams.createStream(s.name, s.name === stage.input.stream ? s.shards : 1);
    this.services = { store: this.store, streams: this.streams, sinks: this.sinks, processingTime: 'event', wallClock: () => Date.now() };
    this.invoke = taskInvoker(job, plan, this.services);
  }

  /** Opens stage `stageId` of `job` (see `eddy plan <job>` for the stage ids) with empty state. */
  static async open(job: Job, stageId: string): Promise<StageHarness> {
    const plan = planJob(job.graph);
    return new StageHarness(job, plan, stageById(plan, stageId));
  }

  /**
   * Feeds one batch — records as the stage's input carries them (strings are lines as they
   * are, anything else its JSON) — and returns what the stage did with it. With no records, a
   * keyed stage gets only the watermark (or the end) on every shard.
   */
  async feed(records: readonly unknown[], options: FeedOptions = {}): Promise<StageBatchOutput> {
    const lines = records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));
    const eventOptions: StageEventOptions = { watermark: options.watermark, end: options.end, key: options.key === undefined ? undefined : JSON.stringify(options.key) };
    const shards = lines.length > 0 ? this.shardsOf(lines, eventOptions) : evenShards(this.stage.input.shards).map((s) => s.shardId);
    if (lines.length === 0 && this.stage.kind !== 'keyed') throw new Error(`stage ${this.stage.id} reads a source: feed it records`);
    if (lines.length === 0 && options.watermark === undefined && !options.end) throw new Error('feed([]) needs a watermark or the end');
    for (const shard of shards) {
      const { records: batch } = buildStageRecords(this.job, this.plan, this.stage.id, lines, { ...eventOptions, shard, firstRecord: this.numbered });
      this.numbered += batch.length + lines.length;
      const { retryFrom } = await this.invoke(this.stage.id, shard, this.stage.input.stream, batch);
      if (retryFrom !== undefined) throw new Error(`stage ${this.stage.id} failed the batch on ${shard} from record ${retryFrom}`);
    }
    return this.outputSinceLastFeed();
  }

  /** Keyed stage: advances the watermark of every shard to `time` (timers due by then fire). */
  advanceWatermark(time: number): Promise<StageBatchOutput> {
    return this.feed([], { watermark: time });
  }

  /** The keyed state of `key` as the stage holds it now (one entry per value, list, or map entry). */
  async state(key: string | number): Promise<StateEntry[]> {
    return (await readKeyState(this.job, this.plan, this.services, this.stage.id, key)).entries;
  }

  /** The stage's pending timers (of `key` only, when given), by time. */
  async timers(key?: string | number): Promise<PendingTimer[]> {
    const timers = await listTimers(this.plan, this.services, [this.stage.id], key);
    return timers.map((t) => ({ key: decodeKey(t.key), domain: t.domain === 'E' ? 'event' : 'processing', ts: t.ts, namespace: t.namespace }));
  }

  /** The shards the lines go to (a broadcast element goes to all of them). */
  private shardsOf(lines: string[], options: StageEventOptions): string[] {
    const { shard, leftOut } = buildStageRecords(this.job, this.plan, this.stage.id, lines, { ...options, watermark: 'none', end: false });
    return [shard, ...Object.keys(leftOut)];
  }

  private async outputSinceLastFeed(): Promise<StageBatchOutput> {
    const sinks: Record<string, unknown[]> = {};
    for (const r of this.sinks.records.slice(this.sinkRecordsSeen)) (sinks[r.sink] ??= []).push(r.value);
    this.sinkRecordsSeen = this.sinks.records.length;
    const downstream: Record<string, unknown[]> = {};
    for (const out of this.stage.outputs) {
      if (out.kind !== 'stage') continue;
      const all = this.streams.all(out.stream).filter((r) => !isControlRecord(r.data));
      const fresh = all.slice(this.downstreamSeen.get(out.stream) ?? 0);
      this.downstreamSeen.set(out.stream, all.length);
      const payloads = fresh.flatMap((r) => decodeEnvelopes(r.data).envelopes.flatMap((e) => (e.kind === 'data' ? [e.payload] : [])));
      (downstream[out.stage] ??= []).push(...payloads);
    }
    const shards = evenShards(this.stage.input.shards).map((s) => ({ stage: this.stage.id, shard: s.shardId }));
    const deadLetters = await readDeadLetters(this.store, shards);
    const id = (d: DeadLetter) => `${d.shard}/${d.seq}/${d.index}`;
    const fresh = deadLetters.filter((d) => !this.deadLettersSeen.has(id(d)));
    for (const d of fresh) this.deadLettersSeen.add(id(d));
    return { sinks, downstream, deadLetters: fresh };
  }
}
