import { readFile, writeFile } from 'node:fs/promises';
import { buildStageEvent } from '../local/stage-event.ts';
import { planJob } from '../plan/planner.ts';
import { loadJob } from './load-job.ts';

export interface EventCommandOptions {
  input: string;
  out?: string;
  shard?: string;
  from?: string;
  key?: string;
  watermark?: string;
  end?: boolean;
}

/**
 * `eddy event <job> <stage> --input <records.jsonl> [--out <event.json>]`: writes the Kinesis
 * event Lambda would deliver to the stage for one shard (see lib/local/stage-event.ts for what
 * a source and a keyed stage get). The stream name in the ARN carries `EDDY_RESOURCE_PREFIX`.
 * Returns the JSON written (with a trailing newline).
 *
 * @example
 * ```ts
 * await eventCommand('order-timeout', 'order-timeout', { input: 'orders.jsonl', out: 'event.json' });
 * ```
 */
export async function eventCommand(jobName: string, stageId: string, options: EventCommandOptions, say: (m: string) => void = (m) => console.error(m)): Promise<string> {
  const { job } = await loadJob(jobName);
  const lines = (await readFile(options.input, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const watermark = options.watermark === undefined || options.watermark === 'none' ? (options.watermark as 'none' | undefined) : Number(options.watermark);
  if (typeof watermark === 'number' && !Number.isFinite(watermark)) throw new Error(`--watermark takes epoch ms or none, got "${options.watermark}"`);
  const { event, shard, leftOut } = buildStageEvent(job, planJob(job.graph), stageId, lines, {
    shard: options.shard,
    from: options.from,
    key: options.key,
    watermark,
    end: options.end,
    prefix: process.env.EDDY_RESOURCE_PREFIX,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
  });
  const json = `${JSON.stringify(event, null, 2)}\n`;
  if (options.out) await writeFile(options.out, json);
  else process.stdout.write(json);
  const others = Object.entries(leftOut);
  // stderr: stdout may be the event itself.
  say(`${event.Records.length} records for ${stageId} / ${shard}${options.out ? ` in ${options.out}` : ''}`);
  if (others.length > 0) say(`left out (their keys belong to other shards): ${others.map(([s, n]) => `${n} for ${s} (--shard ${s})`).join(', ')}`);
  return json;
}
