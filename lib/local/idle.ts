/**
 * When is a live local run done? `eddy run --until-idle` stops once every shard has been read
 * to its end and nothing is in flight; `--drain` additionally waits for every stage shard to
 * have processed the end of input.
 */
import type { Plan } from '../plan/plan.ts';
import { readStageCheckpoints } from '../runtime/checkpoint.ts';
import type { ShardReader } from '../runtime/shard-reader.ts';
import type { StreamClient } from '../runtime/stream-client.ts';
import type { KeyValueStore } from '../state/store.ts';
import type { StageInvoker } from './event-source-runner.ts';

/**
 * Watches the reads and invocations of an event source runner. "Every poller found its shard
 * empty" alone is not idleness: shard A's poller may have found nothing just before stage B's
 * invocation wrote new records into it. So idle means: no invocation running, and every shard
 * had an empty read that *started after* the last invocation ended — such a read would have
 * seen anything that invocation wrote. A logical clock orders the events (wall time can tie).
 *
 * @example
 * ```ts
 * const activity = new ActivityTracker();
 * const runner = new EventSourceRunner({ plan, streams, reader: activity.reader(reader), invoke: activity.invoker(invoke) });
 * runner.start();
 * await runner.waitFor(async () => activity.idle(await shardsOf(plan, streams)));
 * ```
 */
export class ActivityTracker {
  private clock = 0;
  private inFlight = 0;
  private lastActivity = 0;
  /** Per `stream/shard`: the clock when the latest read that found nothing started. */
  private readonly emptySince = new Map<string, number>();

  reader(inner: ShardReader): ShardReader {
    return {
      read: async (stream, shardId, afterSeq, limit) => {
        const started = ++this.clock;
        const records = await inner.read(stream, shardId, afterSeq, limit);
        if (records.length === 0) this.emptySince.set(`${stream}/${shardId}`, started);
        return records;
      },
    };
  }

  invoker(inner: StageInvoker): StageInvoker {
    return async (...args) => {
      this.inFlight++;
      try {
        return await inner(...args);
      } finally {
        this.inFlight--;
        this.lastActivity = ++this.clock;
      }
    };
  }

  /** Something outside the runner wrote to a stream (the sweep): shards must be read again. */
  touched(): void {
    this.lastActivity = ++this.clock;
  }

  /** Every one of `shards` (`stream/shard`) was read empty after the last activity, and nothing runs. */
  idle(shards: string[]): boolean {
    return this.inFlight === 0 && shards.every((s) => (this.emptySince.get(s) ?? -1) > this.lastActivity);
  }
}

/**
 * Every shard of every stage's input stream, as `stream/shard` (the keys of {@link ActivityTracker.idle}).
 *
 * @example
 * ```ts
 * const shards = await shardsOf(plan, services.streams); // ['job-source-orders/shardId-000000000000', ...]
 * ```
 */
export async function shardsOf(plan: Plan, streams: StreamClient): Promise<string[]> {
  const out: string[] = [];
  for (const stage of plan.stages) for (const s of await streams.listShards(stage.input.stream)) out.push(`${stage.input.stream}/${s.shardId}`);
  return out;
}

/**
 * True when every open shard of every stage has committed the end of input (as in replay).
 *
 * @example
 * ```ts
 * if (await allStagesEnded(plan, services.streams, services.store)) console.log('drained');
 * ```
 */
export async function allStagesEnded(plan: Plan, streams: StreamClient, store: KeyValueStore): Promise<boolean> {
  for (const stage of plan.stages) {
    const shards = (await streams.listShards(stage.input.stream)).filter((s) => !s.closed);
    const checkpoints = new Map((await readStageCheckpoints(store, stage.id)).map((c) => [c.shard, c.checkpoint]));
    if (!shards.every((s) => checkpoints.get(s.shardId)?.ended)) return false;
  }
  return true;
}
