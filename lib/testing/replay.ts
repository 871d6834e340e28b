/**
 * `replay` of `eddy/testing`: a job over in-memory inputs, to the end of input, for users' unit
 * tests — what Flink's MiniCluster and Kafka Streams' TopologyTestDriver are for. It runs the
 * job's real stages on the in-memory store and streams (lib/local/in-memory.ts, the engine of
 * `eddy replay --engine memory`), so a test sees exactly what the job computes deployed.
 */
import type { Job } from '../api/job.ts';
import { replayInMemory } from '../local/in-memory.ts';
import { sinkNames } from '../plan/plan.ts';
import type { DeadLetter } from '../runtime/dead-letters.ts';

export interface ReplayTestOptions {
  /** Probability that a batch crashes (and is retried, as Lambda retries): results must not change. Default 0. */
  chaos?: number;
  /** Seed of the chaos (default 1): the same seed, the same crashes. */
  seed?: number;
  /** Records per invocation at most, instead of the job's `batchSize` (smaller: more batch boundaries for chaos to strike). */
  batchSize?: number;
}

export interface ReplayTestResult {
  /** What each sink received, by sink name, in the order it was written (every sink of the job is there, maybe empty). */
  sinks: Record<string, unknown[]>;
  /** Records that could not be processed (malformed input, a function that threw), with the reason. */
  deadLetters: DeadLetter[];
  /** Records that came behind the watermark and were dropped as late (or went to a late side output). */
  late: number;
  /** Chaos: how many batches crashed (and were retried) and were delivered twice. */
  faults: { crashes: number; duplicates: number };
}

/**
 * Replays `job` over `inputs` — each source's records in order; a string is a line as it is
 * (so a malformed record can be tested), anything else is sent as its JSON — with event-time
 * processing time, drains every timer at the end of input, and returns the sinks' records.
 *
 * @example
 * ```ts
 * import { replay } from 'eddy/testing';
 * import job from '../jobs/clicks.ts';
 *
 * const { sinks, deadLetters } = await replay(job, { clicks: [{ userId: 'u1', url: '/', ts: 0 }, 'not json'] }, { chaos: 0.2 });
 * sinks['page-views']; // [{ userId: 'u1', windowStart: 0, windowEnd: 60000, views: 1 }]
 * deadLetters.length;  // 1
 * ```
 */
export async function replay(job: Job, inputs: Record<string, readonly unknown[]>, options: ReplayTestOptions = {}): Promise<ReplayTestResult> {
  const lines = Object.fromEntries(Object.entries(inputs).map(([source, records]) => [source, records.map(toLine)]));
  const saved = job.graph.options.batchSize;
  if (options.batchSize !== undefined) job.graph.options.batchSize = options.batchSize;
  let late = 0;
  try {
    const chaos = options.chaos ? { probability: options.chaos, seed: options.seed ?? 1 } : undefined;
    const run = await replayInMemory(job, lines, { processingTime: 'event', chaos, onBatch: (r) => (late += r.late) });
    const sinks = Object.fromEntries(sinkNames(run.plan).map((name) => [name, run.sinks.values(name)]));
    const counts: Record<string, number> = { ...run.chaos };
    const crashes = Object.entries(counts).reduce((n, [point, times]) => (point === 'duplicate' ? n : n + times), 0);
    return { sinks, deadLetters: run.deadLetters, late, faults: { crashes, duplicates: counts.duplicate ?? 0 } };
  } finally {
    job.graph.options.batchSize = saved;
  }
}

function toLine(record: unknown): string {
  if (typeof record === 'string') return record;
  const line = JSON.stringify(record);
  if (line === undefined) throw new Error(`replay: a record must be a string (a line) or a JSON value, got ${String(record)}`);
  return line;
}
