import { appendFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { BatchResult } from '../runtime/batch.ts';
import { createChaos } from '../runtime/chaos.ts';
import { join } from 'node:path';
import { replayJob } from '../local/replay.ts';
import { openLocalJob } from '../local/local-job.ts';
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
}

/**
 * `eddy replay <job> --input <source>=<file> ... --out <dir>`: runs the job over the files on
 * the embedded stack with simulated processing time, drains at the end, and writes
 * `<dir>/<sink>.jsonl` for every sink plus `<dir>/dead-letter.jsonl`.
 */
export async function replayCommand(jobName: string, options: ReplayCommandOptions): Promise<void> {
  const started = Date.now();
  const say = (m: string) => options.quiet || console.error(m);
  const { job } = await loadJob(jobName);
  if (options.batchSize !== undefined) job.graph.options.batchSize = parseBatchSize(options.batchSize);
  const inputs = await readInputs(options.input);
  await mkdir(options.out, { recursive: true });
  await withLocalStack({ say }, async (endpoints) => {
    const prefix = `replay-${process.pid}-${Date.now().toString(36)}-`;
    // EDDY_BATCH_LOG=<file>: one JSON line per batch (stage, shard, records, duplicates, outputs, ...), for post-mortems.
    const batchLog = process.env.EDDY_BATCH_LOG;
    const onBatch = batchLog ? (r: BatchResult) => appendFileSync(batchLog, JSON.stringify(r) + '\n') : undefined;
    const local = await openLocalJob(job, { endpoints, prefix, outDir: options.out, processingTime: 'event', onBatch });
    const sinks = local.plan.stages.flatMap((s) => s.outputs).flatMap((o) => (o.kind === 'sink' ? [o.sink] : []));
    for (const sink of sinks) await writeFile(join(options.out, `${sink}.jsonl`), '');
    const chaos = options.chaos !== undefined ? createChaos({ probability: Number(options.chaos), seed: Number(options.seed ?? 1) }) : undefined;
    local.services.faults = chaos?.inject;
    const deadLetters = await replayJob({ job, plan: local.plan, inputs, services: local.services, reader: local.reader, invoke: local.invoke, onProgress: say, duplicateDelivery: chaos?.duplicate });
    if (chaos) say(`chaos: ${JSON.stringify(chaos.counts)}`);
    const lines = deadLetters.map((d) => JSON.stringify({ stage: d.stage, shard: d.shard, sequenceNumber: d.seq, index: d.index, reason: d.reason, record: d.record, encoding: d.encoding }));
    await writeFile(join(options.out, 'dead-letter.jsonl'), lines.length ? lines.join('\n') + '\n' : '');
    const counts = await Promise.all(sinks.map(async (s) => `${s}=${(await readFile(join(options.out, `${s}.jsonl`), 'utf8')).split('\n').filter(Boolean).length}`));
    say(`replay of ${job.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${counts.join(' ')} dead-letter=${deadLetters.length} (in ${options.out})`);
  });
}

/** A `--batch-size`: a whole number of records from 1 to Lambda's 10,000. */
function parseBatchSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`--batch-size takes a whole number of records from 1 to 10000, got "${value}"`);
  return n;
}
