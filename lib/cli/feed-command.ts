import { readFile } from 'node:fs/promises';
import { openLocalJob } from '../local/local-job.ts';
import { planJob } from '../plan/planner.ts';
import { feedSource } from '../local/replay.ts';
import { loadJob, parseInputSpec } from './load-job.ts';
import { stackEndpoints } from './stack.ts';

export interface FeedCommandOptions {
  input: string[];
  dataDir: string;
}

/**
 * `eddy feed <job> --input <source>=<file> ... [--data-dir <dir>]`: provisions the job's
 * streams and tables on the local stack of the data dir if needed (starting the stack if it is
 * not running) and writes each file's lines, in order, into the source's stream. A running or
 * later `eddy run` processes them.
 *
 * @example
 * ```ts
 * await feedCommand('order-timeout', { input: ['orders=orders.jsonl'], dataDir: '.eddy' });
 * ```
 */
export async function feedCommand(jobName: string, options: FeedCommandOptions): Promise<void> {
  const say = (m: string) => console.error(m);
  const { job } = await loadJob(jobName);
  const inputs: { source: string; file: string; lines?: string[] }[] = [];
  for (const spec of options.input) inputs.push(parseInputSpec(spec));
  // Mistakes are reported before anything is started or written.
  const plan = planJob(job.graph);
  for (const input of inputs) {
    if (!plan.stages.some((s) => s.input.source === input.source)) throw new Error(`job ${job.name} has no source "${input.source}" (sources: ${plan.stages.flatMap((s) => s.input.source ?? []).join(', ')})`);
    input.lines = (await readFile(input.file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  }
  const endpoints = await stackEndpoints({ dataDir: options.dataDir, say });
  const local = await openLocalJob(job, { endpoints });
  try {
    for (const { source, file, lines = [] } of inputs) {
      const stage = local.plan.stages.find((s) => s.input.source === source)!;
      await feedSource(job, local.services, source, stage.input.stream, lines);
      say(`fed ${lines.length} records from ${file} to ${source}`);
    }
  } finally {
    // Keep-alive sockets to the long-lived stack would otherwise hold this process open.
    local.services.clients.dynamodb.destroy();
    local.services.clients.kinesis.destroy();
  }
}
