/**
 * Replay: runs a job over recorded inputs to the end, deterministically. Each source is fed in
 * file order, an end-of-input marker follows on every source shard, the stages run until every
 * shard has processed the end (watermark +infinity: every timer fires), and the outputs are
 * what the sinks received. Processing time is simulated (it follows event time) when the
 * services say so. Stages' batching windows are not waited for. The same code runs on the embedded stack (`eddy replay`) and in memory.
 */
import type { Job } from '../api/job.ts';
import type { Plan } from '../plan/plan.ts';
import { readDeadLetters, type DeadLetter } from '../runtime/dead-letters.ts';
import { putAll } from '../runtime/emitter.ts';
import { encodeSourceEnd } from '../runtime/envelope.ts';
import type { ShardReader } from '../runtime/shard-reader.ts';
import type { PutEntry } from '../runtime/stream-client.ts';
import type { RuntimeServices } from '../runtime/task.ts';
import { EventSourceRunner, type StageInvoker } from './event-source-runner.ts';
import { allStagesEnded } from './idle.ts';

export interface ReplayOptions {
  job: Job;
  plan: Plan;
  /** Lines of each source, by source name (blank lines are skipped, as JSON Lines allows). */
  inputs: Record<string, string[]>;
  services: RuntimeServices;
  reader: ShardReader;
  invoke: StageInvoker;
  pollIntervalMs?: number;
  timeoutMs?: number;
  onProgress?: (message: string) => void;
  /** Called when every input is in its source stream, before the stages run (a benchmark times the job from here). */
  onInputsFed?: () => void;
  /** Chaos: deliver some batches twice. */
  duplicateDelivery?: () => boolean;
  retryBackoff?: { baseMs: number; maxMs: number };
  /** Failed invocations are retried; this hears about each failure (default: stderr, once per message). */
  onError?: (stageId: string, shardId: string, error: unknown) => void;
}

function reportOnce(): (stageId: string, shardId: string, error: unknown) => void {
  const seen = new Set<string>();
  return (stage, shard, error) => {
    const message = `${stage}/${shard}: ${(error as Error)?.stack ?? String(error)}`;
    if (!seen.has(message)) console.error(`eddy: invocation failed (will retry) ${message}`);
    seen.add(message);
  };
}

/**
 * Feeds the inputs, runs the job to the end of input and returns the dead letters.
 *
 * @example
 * ```ts
 * const deadLetters = await replayJob({ job, plan, inputs: { orders: lines }, services, reader, invoke });
 * ```
 */
export async function replayJob(options: ReplayOptions): Promise<DeadLetter[]> {
  const { job, plan, services } = options;
  for (const name of Object.keys(options.inputs)) {
    if (!plan.stages.some((s) => s.input.source === name)) {
      throw new Error(`job ${plan.job} has no source "${name}" (sources: ${plan.stages.flatMap((s) => s.input.source ?? []).join(', ')})`);
    }
  }
  for (const stage of plan.stages.filter((s) => s.kind === 'source')) {
    const lines = (options.inputs[stage.input.source!] ?? []).filter((l) => l.trim() !== '');
    await feedSource(job, services, stage.input.source!, stage.input.stream, lines);
    options.onProgress?.(`fed ${lines.length} records to ${stage.input.source}`);
    await endSource(services, stage.input.stream);
  }

  options.onInputsFed?.();
  // Batching windows are ignored: every input is there before the first poll, and waiting for
  // more would only slow replay down (how records fall into batches is a matter of timing anyway).
  const runner = new EventSourceRunner({
    plan, streams: services.streams, reader: options.reader, invoke: options.invoke, pollIntervalMs: options.pollIntervalMs ?? 20,
    onError: options.onError ?? reportOnce(), duplicateDelivery: options.duplicateDelivery, retryBackoff: options.retryBackoff, ignoreBatchingWindows: true,
  });
  runner.start();
  try {
    await runner.waitFor(async () => runner.caughtUp() && (await allStagesEnded(plan, services.streams, services.store)), options.timeoutMs);
  } finally {
    await runner.stop();
  }
  return readDeadLetters(services.store, await stageShards(plan, services));
}

/** Writes lines to a source stream in order, partitioned by the source's partition key. */
export async function feedSource(job: Job, services: RuntimeServices, sourceName: string, stream: string, lines: string[]): Promise<void> {
  const node = job.graph.nodes.find((n) => n.kind === 'source' && n.source.name === sourceName);
  const partitionKey = node?.kind === 'source' ? node.source.partitionKey : undefined;
  const entries: PutEntry[] = lines.map((line, i) => ({ data: Buffer.from(line, 'utf8'), partitionKey: keyFor(line, i, partitionKey) }));
  for (let i = 0; i < entries.length; i += 500) await putAll(services.streams, stream, entries.slice(i, i + 500));
}

/** Writes the end-of-input marker to every shard of a source stream. */
export async function endSource(services: RuntimeServices, stream: string): Promise<void> {
  const shards = (await services.streams.listShards(stream, { fresh: true })).filter((s) => !s.closed);
  await putAll(services.streams, stream, shards.map((s) => ({ data: encodeSourceEnd(), partitionKey: s.shardId, explicitHashKey: s.start.toString() })));
}

function keyFor(line: string, index: number, partitionKey: ((v: any) => string) | undefined): string {
  if (partitionKey) {
    try {
      const key = partitionKey(JSON.parse(line));
      if (typeof key === 'string' && key.length > 0 && key.length <= 256) return key;
    } catch {
      // a malformed record still goes in; the source stage dead-letters it
    }
  }
  return `line-${index}`;
}

async function stageShards(plan: Plan, services: RuntimeServices): Promise<{ stage: string; shard: string }[]> {
  const out = [];
  for (const stage of plan.stages) for (const s of await services.streams.listShards(stage.input.stream)) out.push({ stage: stage.id, shard: s.shardId });
  return out;
}
