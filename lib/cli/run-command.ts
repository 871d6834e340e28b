import { MAX_WATERMARK, MIN_WATERMARK } from '../api/time.ts';
import type { SinkWriter } from '../connectors/sink-writer.ts';
import { EventSourceRunner } from '../local/event-source-runner.ts';
import { openLocalJob } from '../local/local-job.ts';
import { feedSource } from '../local/replay.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { createSweepHandler } from '../runtime/handler.ts';
import { countPendingTimers } from '../runtime/inspect.ts';
import { loadJob } from './load-job.ts';
import { withLocalStack } from './stack.ts';

export interface RunCommandOptions {
  dataDir?: string;
  out: string;
  generate?: boolean;
  statusEvery: string;
  duration?: string;
}

/** What a job module may export to drive `eddy run --generate`. */
export type LiveGenerator = (feed: (source: string, records: object[]) => Promise<void>, signal: AbortSignal) => Promise<void>;

/**
 * `eddy run <job>`: the job live — every stage polled like Lambda's event source mappings,
 * the sweep on its schedule, sink outputs printed as they happen and a status line per stage.
 */
export async function runCommand(jobName: string, options: RunCommandOptions): Promise<void> {
  const { job, module } = await loadJob(jobName);
  const say = (m: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${m}`);
  await withLocalStack({ say, dataDir: options.dataDir }, async (endpoints) => {
    const totals = new Map<string, { in: number; out: number; dead: number; fired: number; watermark: number }>();
    const onBatch = (r: BatchResult) => {
      const t = totals.get(r.stage) ?? { in: 0, out: 0, dead: 0, fired: 0, watermark: MIN_WATERMARK };
      t.in += r.dataIn;
      t.out += r.outputs;
      t.dead += r.deadLetters;
      t.fired += r.timersFired;
      t.watermark = Math.max(t.watermark, r.watermark);
      totals.set(r.stage, t);
    };
    const local = await openLocalJob(job, { endpoints, outDir: options.out, processingTime: 'system', onBatch });
    local.services.sinks = printing(local.services.sinks, say);
    say(`running ${job.name}: stages ${local.plan.stages.map((s) => s.id).join(', ')}; sink files in ${options.out}; Ctrl-C stops`);

    const runner = new EventSourceRunner({ plan: local.plan, streams: local.services.streams, reader: local.reader, invoke: local.invoke, pollIntervalMs: 200, onError: (s, sh, e) => say(`! ${s}/${sh}: ${(e as Error).message}`) });
    runner.start();
    const stop = new AbortController();
    const sweep = createSweepHandler(job, () => local.services);
    const loops: Promise<unknown>[] = [
      every(5000, stop.signal, async () => {
        const result = await sweep({ once: true }, {} as never);
        for (const pass of result.passes) for (const t of pass.ticks) say(`sweep: woke ${t.stage}/${t.shard}${t.watermark !== undefined ? ` with idle watermark ${new Date(t.watermark).toISOString()}` : ''} (timers due, no data)`);
      }),
      every(Number(options.statusEvery) * 1000, stop.signal, async () => {
        for (const stage of local.plan.stages) {
          const t = totals.get(stage.id) ?? { in: 0, out: 0, dead: 0, fired: 0, watermark: MIN_WATERMARK };
          const pending = stage.stateful ? ` timers pending=${await countPendingTimers(local.services.store, local.plan, stage.id)} fired=${t.fired}` : '';
          say(`[${stage.id}] records in=${t.in} out=${t.out} dead-letters=${t.dead}${pending} watermark=${formatWatermark(t.watermark)}`);
        }
      }),
    ];
    const generator = module.startGenerator as LiveGenerator | undefined;
    if (options.generate) {
      if (!generator) throw new Error(`job ${job.name} has no generator (export startGenerator from its job module)`);
      const feed = async (source: string, records: object[]) => {
        const stage = local.plan.stages.find((s) => s.input.source === source);
        if (!stage) throw new Error(`no source ${source}`);
        await feedSource(job, local.services, source, stage.input.stream, records.map((r) => JSON.stringify(r)));
      };
      loops.push(generator(feed, stop.signal).catch((e) => say(`! generator: ${(e as Error).message}`)));
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      if (options.duration) setTimeout(resolve, Number(options.duration) * 1000);
    });
    say('stopping...');
    stop.abort();
    await runner.stop();
    await Promise.allSettled(loops);
  });
}

function printing(inner: SinkWriter, say: (m: string) => void): SinkWriter {
  return {
    async write(records) {
      await inner.write(records);
      for (const r of records) say(`-> ${r.sink}: ${JSON.stringify(r.value)}`);
    },
  };
}

async function every(ms: number, signal: AbortSignal, body: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (signal.aborted) return;
    try {
      await body();
    } catch (error) {
      console.log(`! ${(error as Error).message}`);
    }
  }
}

function formatWatermark(wm: number): string {
  if (wm <= MIN_WATERMARK) return '-inf';
  if (wm >= MAX_WATERMARK) return '+inf (end of input)';
  return new Date(wm).toISOString();
}
