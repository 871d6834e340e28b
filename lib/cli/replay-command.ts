import { appendFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSinkWriter } from '../connectors/file-sink.ts';
import { replayInMemory } from '../local/in-memory.ts';
import { openLocalJob } from '../local/local-job.ts';
import { replayJob } from '../local/replay.ts';
import { MAX_BATCH_SIZE } from '../plan/graph.ts';
import { sinkNames } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import { planWarnings } from '../plan/warnings.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { createChaos } from '../runtime/chaos.ts';
import type { DeadLetter } from '../runtime/dead-letters.ts';
import { loadJob, readInputs } from './load-job.ts';
import { withLocalStack } from './stack.ts';

export interface ReplayCommandOptions {
  input: string[];
  out: string;
  quiet?: boolean;
  /** Crash probability per batch (see lib/runtime/chaos.ts); the outputs must not change. */
  chaos?: string;
  seed?: string;
  /** Records per invocation at most, instead of the job's `batchSize` (smaller batches: more batch boundaries for --chaos to strike). */
  batchSize?: string;
  /** `stack` (default): the embedded DynamoDB Local and kinesis-mock; `memory`: the in-memory store and streams, same results. */
  engine?: string;
}

/**
 * `eddy replay <job> --input <source>=<file> ... --out <dir> [--engine stack|memory]`: runs the
 * job over the files with simulated processing time, drains at the end, and writes
 * `<dir>/<sink>.jsonl` for every sink plus `<dir>/dead-letter.jsonl`. On the embedded stack by
 * default (the emulators: what `eddy run` and Lambda use); `--engine memory` runs the same
 * stages on the in-memory store and streams, without Java, many times faster.
 *
 * @example
 * ```ts
 * await replayCommand('order-timeout', { input: ['orders=orders.jsonl'], out: 'out', engine: 'memory' });
 * ```
 */
export async function replayCommand(jobName: string, options: ReplayCommandOptions): Promise<void> {
  const started = Date.now();
  const say = (m: string) => options.quiet || console.error(m);
  const engine = options.engine ?? 'stack';
  if (engine !== 'stack' && engine !== 'memory') throw new Error(`--engine takes stack or memory, got "${engine}"`);
  const { job } = await loadJob(jobName);
  if (options.batchSize !== undefined) job.graph.options.batchSize = parseBatchSize(options.batchSize);
  const inputs = await readInputs(options.input);
  const plan = planJob(job.graph);
  for (const warning of planWarnings(plan)) console.error(`warning: ${warning}`);
  for (const source of plan.stages.flatMap((s) => s.input.source ?? [])) {
    if (!(source in inputs)) console.error(`warning: source "${source}" of ${job.name} got no --input: it is replayed empty`);
  }
  await mkdir(options.out, { recursive: true });
  for (const sink of sinkNames(plan)) await writeFile(join(options.out, `${sink}.jsonl`), '');
  // EDDY_BATCH_LOG=<file>: one JSON line per batch (stage, shard, records, duplicates, outputs, ...), for post-mortems.
  const batchLog = process.env.EDDY_BATCH_LOG;
  let late = 0;
  const onBatch = (r: BatchResult) => {
    late += r.late;
    if (batchLog) appendFileSync(batchLog, JSON.stringify(r) + '\n');
  };
  const chaosOptions = options.chaos !== undefined ? { probability: Number(options.chaos), seed: Number(options.seed ?? 1) } : undefined;
  let chaosCounts: Record<string, number> | undefined;
  let deadLetters: DeadLetter[];
  if (engine === 'memory') {
    const run = await replayInMemory(job, inputs, { processingTime: 'event', chaos: chaosOptions, onBatch, sinks: new FileSinkWriter(options.out), onProgress: say });
    deadLetters = run.deadLetters;
    chaosCounts = run.chaos as Record<string, number> | undefined;
  } else {
    deadLetters = await withLocalStack({ say }, async (endpoints) => {
      const prefix = `replay-${process.pid}-${Date.now().toString(36)}-`;
      const local = await openLocalJob(job, { endpoints, prefix, outDir: options.out, processingTime: 'event', onBatch });
      const chaos = chaosOptions && createChaos(chaosOptions);
      local.services.faults = chaos?.inject;
      const found = await replayJob({ job, plan: local.plan, inputs, services: local.services, reader: local.reader, invoke: local.invoke, onProgress: say, duplicateDelivery: chaos?.duplicate });
      chaosCounts = chaos?.counts as Record<string, number> | undefined;
      return found;
    });
  }
  if (chaosCounts) say(`chaos: ${JSON.stringify(chaosCounts)}`);
  await writeDeadLetters(options.out, deadLetters);
  const counts = await Promise.all(sinkNames(plan).map(async (s) => `${s}=${(await readFile(join(options.out, `${s}.jsonl`), 'utf8')).split('\n').filter(Boolean).length}`));
  say(`replay of ${job.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s (${engine}): ${counts.join(' ')} dead-letter=${deadLetters.length} late=${late} (in ${options.out})`);
}

async function writeDeadLetters(out: string, deadLetters: DeadLetter[]): Promise<void> {
  const lines = deadLetters.map((d) => JSON.stringify({ stage: d.stage, shard: d.shard, sequenceNumber: d.seq, index: d.index, reason: d.reason, record: d.record, encoding: d.encoding }));
  await writeFile(join(out, 'dead-letter.jsonl'), lines.length ? lines.join('\n') + '\n' : '');
}

/** A `--batch-size`: a whole number of records from 1 to Lambda's largest batch. */
function parseBatchSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH_SIZE) throw new Error(`--batch-size takes a whole number of records from 1 to ${MAX_BATCH_SIZE}, got "${value}"`);
  return n;
}

