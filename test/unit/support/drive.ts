/**
 * A deterministic, sleep-free driver of a whole job on the in-memory engine, for property
 * tests that need many runs: it does what the replay runner does (feed, end-of-input marker,
 * run every shard of every stage until all ended) but picks batch sizes itself and can
 * inject crashes before or after a commit, as a Lambda timeout or a lost ack would.
 */
import type { Job } from '../../../lib/api/job.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { endSource, feedSource } from '../../../lib/local/replay.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { runBatch, type BatchResult } from '../../../lib/runtime/batch.ts';
import { readCheckpoint } from '../../../lib/runtime/checkpoint.ts';
import { readDeadLetters } from '../../../lib/runtime/dead-letters.ts';
import { StageTask, type RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { CommitConflictError, type CommitRequest, type KeyValueStore } from '../../../lib/state/store.ts';
import { ChaosCrash, type FaultInjector } from '../../../lib/runtime/chaos.ts';

export class InjectedCrash extends Error {}

export type CrashPoint = 'before-commit' | 'after-commit' | undefined;

/** A store whose commits can crash just before or just after they are applied. */
export class CrashingStore implements KeyValueStore {
  next: () => CrashPoint = () => undefined;
  constructor(readonly inner: KeyValueStore) {}
  batchGet(keys: Parameters<KeyValueStore['batchGet']>[0]) {
    return this.inner.batchGet(keys);
  }
  query(...args: Parameters<KeyValueStore['query']>) {
    return this.inner.query(...args);
  }
  scan(...args: Parameters<KeyValueStore['scan']>) {
    return this.inner.scan(...args);
  }
  stats() {
    return this.inner.stats();
  }
  writeBatch(...args: Parameters<KeyValueStore['writeBatch']>) {
    return this.inner.writeBatch(...args);
  }
  async commit(request: CommitRequest): Promise<void> {
    const crash = this.next();
    if (crash === 'before-commit') throw new InjectedCrash('crash before commit');
    await this.inner.commit(request);
    if (crash === 'after-commit') throw new InjectedCrash('crash after commit');
  }
}

export interface DriveOptions {
  /** Records per invocation for a stage shard (default 100). */
  batchSize?: (stage: string, shard: string) => number;
  /**
   * Lambda execution environments per stage shard (default 1): each invocation runs in the one
   * `environment()` picks, with what that container kept from its own earlier invocations
   * (log-structured state, a cached shard listing): no affinity, as on Lambda.
   */
  environments?: number;
  environment?: () => number;
  /** Runs this invocation twice at once, in two environments (a zombie racing a retry): one of them must lose the fenced commit. */
  zombie?: () => boolean;
  /** Decides, per commit, whether the invocation crashes around it. */
  crash?: () => CrashPoint;
  /** Crashes at the batch lifecycle's fault points (lib/runtime/chaos.ts: mid-emit, mid-commit, ...). */
  faults?: FaultInjector;
  /** Upper bound on invocations (guards against a job that never ends). */
  maxInvocations?: number;
  /** Sees the result of every committed batch. */
  onBatch?: (result: BatchResult) => void;
  /** The store to run on (default: a fresh in-memory one); e.g. DynamoDB Local's. */
  store?: KeyValueStore;
  /** Wall-clock time (default 0; a store that applies native TTL needs the real one). */
  wallClock?: () => number;
}

export async function driveToEnd(job: Job, inputs: Record<string, string[]>, options: DriveOptions = {}) {
  const plan = planJob(job.graph);
  // Tests that pass their own store read it through the store they passed.
  const store = (options.store ?? new MemoryStore()) as MemoryStore;
  const crashing = new CrashingStore(store);
  const streams = new MemoryStreams();
  for (const s of plan.streams) streams.createStream(s.name, s.shards);
  const sinks = new MemorySinkWriter();
  const services: RuntimeServices = { store: crashing, streams, sinks, processingTime: 'event', wallClock: options.wallClock ?? (() => 0) };
  for (const stage of plan.stages.filter((s) => s.kind === 'source')) {
    await feedSource(job, services, stage.input.source!, stage.input.stream, inputs[stage.input.source!] ?? []);
    await endSource(services, stage.input.stream);
  }
  crashing.next = options.crash ?? (() => undefined);
  services.faults = options.faults;

  const tasks = new Map<string, StageTask>();
  const environments = options.environments ?? 1;
  const pick = options.environment ?? (() => 0);
  const taskIn = async (stage: string, shard: string, env: number) => {
    const id = `${stage}/${shard}#${env}`;
    let task = tasks.get(id);
    if (!task) tasks.set(id, (task = await StageTask.create(job, stage, shard, services, plan)));
    return { id, task };
  };
  const positions = new Map<string, string | undefined>();
  let invocations = 0;
  let crashes = 0;
  let zombies = 0;
  const shardsOf = async () => {
    const out: { stage: string; shard: string; stream: string }[] = [];
    for (const stage of plan.stages) for (const s of await streams.listShards(stage.input.stream)) out.push({ stage: stage.id, shard: s.shardId, stream: stage.input.stream });
    return out;
  };
  for (;;) {
    let progressed = false;
    for (const { stage, shard, stream } of await shardsOf()) {
      const id = `${stage}/${shard}`;
      const records = await streams.read(stream, shard, positions.get(id), Math.max(1, options.batchSize?.(stage, shard) ?? 100));
      if (records.length === 0) continue;
      progressed = true;
      if (++invocations > (options.maxInvocations ?? 100_000)) throw new Error('too many invocations');
      const batch = records.map((r) => ({ seq: r.seq, data: r.data }));
      const env = Math.min(environments - 1, pick());
      const runs = [await taskIn(stage, shard, env)];
      if (environments > 1 && options.zombie?.()) runs.push(await taskIn(stage, shard, (env + 1) % environments));
      const settled = await Promise.allSettled(runs.map(({ task }) => runBatch(task, batch)));
      let committed = false;
      settled.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') {
          options.onBatch?.(outcome.value);
          committed = true;
          return;
        }
        const error = outcome.reason;
        if (error instanceof CommitConflictError && runs.length > 1) return zombies++; // fenced out, as it must be
        if (!(error instanceof InjectedCrash || error instanceof ChaosCrash)) throw error;
        crashes++;
        tasks.delete(runs[i].id); // the container died: a fresh one retries from the same position
      });
      if (committed) positions.set(id, records[records.length - 1].seq);
    }
    if (!progressed) break;
  }
  const stageShards = (await shardsOf()).map(({ stage, shard }) => ({ stage, shard }));
  for (const { stage, shard } of stageShards) {
    const cp = await readCheckpoint(store, stage, shard);
    if (!cp?.ended) throw new Error(`${stage}/${shard} did not reach the end of input`);
  }
  const deadLetters = await readDeadLetters(store, stageShards);
  return { plan, store, streams, sinks, deadLetters, invocations, crashes, zombies };
}
