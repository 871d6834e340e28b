import type { Job } from '../api/job.ts';
import { MemorySinkWriter } from '../connectors/memory-sink.ts';
import { planJob } from '../plan/planner.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { createChaos } from '../runtime/chaos.ts';
import type { SinkWriter } from '../connectors/sink-writer.ts';
import type { DeadLetter } from '../runtime/dead-letters.ts';
import type { RuntimeServices } from '../runtime/task.ts';
import { MemoryStore } from '../state/memory-store.ts';
import { taskInvoker } from './invokers.ts';
import { MemoryStreams } from './memory-streams.ts';
import { replayJob } from './replay.ts';

/**
 * Replays a job entirely in memory (store, streams, and sinks unless given): the engine alone,
 * for unit tests, benchmarks and `eddy replay --engine memory`, which writes the sink files
 * `eddy replay` on the embedded stack writes, without the emulators.
 *
 * @example
 * ```ts
 * const { sinks, deadLetters } = await replayInMemory(job, { orders: lines });
 * sinks.values('timeouts');
 * ```
 */
export async function replayInMemory(
  job: Job,
  inputs: Record<string, string[]>,
  options: {
    processingTime?: 'event' | 'system';
    pollIntervalMs?: number;
    onBatch?: (result: BatchResult) => void;
    wallClock?: () => number;
    /** Crash probability per batch and its seed (see lib/runtime/chaos.ts). */
    chaos?: { probability: number; seed: number };
    /** Where the sinks write (default: in memory, read back as the result's `sinks.values(name)`, which stays empty when this is given). */
    sinks?: SinkWriter;
    /** Progress lines (records fed per source). */
    onProgress?: (message: string) => void;
    /** Called when every input is in its source stream, before the stages run. */
    onInputsFed?: () => void;
  } = {},
) {
  const plan = planJob(job.graph);
  const store = new MemoryStore();
  const streams = new MemoryStreams();
  for (const s of plan.streams) streams.createStream(s.name, s.shards);
  const sinks = new MemorySinkWriter();
  const services: RuntimeServices = { store, streams, sinks: options.sinks ?? sinks, processingTime: options.processingTime ?? 'event', wallClock: options.wallClock ?? (() => Date.now()) };
  const chaos = options.chaos && createChaos(options.chaos);
  services.faults = chaos?.inject;
  const deadLetters: DeadLetter[] = await replayJob({
    job, plan, inputs, services, reader: streams,
    invoke: taskInvoker(job, plan, services, options.onBatch),
    pollIntervalMs: options.pollIntervalMs ?? 1,
    duplicateDelivery: chaos?.duplicate,
    retryBackoff: { baseMs: 1, maxMs: 20 }, // nothing to wait for in memory
    onProgress: options.onProgress,
    onInputsFed: options.onInputsFed,
  });
  return { plan, store, streams, sinks, deadLetters, services, chaos: chaos?.counts };
}
