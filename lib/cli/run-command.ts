import type { SinkRecordOut } from '../runtime/outputs.ts';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_WATERMARK, MIN_WATERMARK } from '../api/time.ts';
import { FileSinkWriter } from '../connectors/file-sink.ts';
import { EventSourceRunner } from '../local/event-source-runner.ts';
import { ActivityTracker, allStagesEnded, shardsOf } from '../local/idle.ts';
import { openLocalJob } from '../local/local-job.ts';
import { tryLock } from '../local/pid-lock.ts';
import { endSource, feedSource } from '../local/replay.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { readCheckpoint } from '../runtime/checkpoint.ts';
import { sinkNames, stageById } from '../plan/plan.ts';
import { planWarnings } from '../plan/warnings.ts';
import { createSweepHandler } from '../runtime/handler.ts';
import { countPendingTimers } from '../runtime/inspect.ts';
import { loadJob } from './load-job.ts';
import { runLockPath } from './reset-command.ts';
import { endpointsFromEnvironment, stackEndpoints } from './stack.ts';

export interface RunCommandOptions {
  /** The persistent local stack's data dir (default `.eddy`). */
  dataDir: string;
  /** Sink files; default `<dataDir>/out`. */
  out?: string;
  generate?: boolean;
  statusEvery: string;
  duration?: string;
  /** Exit once every shard is read to its end and nothing is in flight. */
  untilIdle?: boolean;
  /** Write end-of-input markers first; exit once every stage shard has processed them. */
  drain?: boolean;
}

/** What a job module may export to drive `eddy run --generate`. */
export type LiveGenerator = (feed: (source: string, records: object[]) => Promise<void>, signal: AbortSignal) => Promise<void>;

/**
 * `eddy run <job>`: the job live on the persistent local stack of the data dir (started in the
 * background if needed, and left running) — every stage polled like Lambda's event source
 * mappings, starting after each shard's checkpoint, the sweep on its schedule, sink outputs
 * appended to `<out>/<sink>.jsonl` exactly once and printed, and a status line per stage.
 * Killed at any point (even SIGKILL), a new `eddy run` resumes from the checkpoints.
 *
 * @example
 * ```ts
 * await runCommand('order-timeout', { dataDir: '.eddy', statusEvery: '5', untilIdle: true, drain: true });
 * ```
 */
export async function runCommand(jobName: string, options: RunCommandOptions): Promise<void> {
  const started = Date.now();
  const { job, module } = await loadJob(jobName);
  const say = (m: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${m}`);
  const outDir = options.out ?? join(options.dataDir, 'out');
  const batchMode = Boolean(options.untilIdle || options.drain);
  const generator = module.startGenerator as LiveGenerator | undefined;
  if (options.generate && !generator) throw new Error(`job ${job.name} has no generator (export startGenerator from its job module)`);
  const endpoints = await stackEndpoints({ dataDir: options.dataDir, say });

  // `eddy reset` must not move checkpoints under a running job (it would carry on from where it is and commit over them).
  let jobLock: { release(): Promise<void> } | undefined;
  if (!endpointsFromEnvironment()) {
    const held = await tryLock(runLockPath(options.dataDir, job.name));
    if (typeof held === 'number') throw new Error(`${job.name} is already running on ${options.dataDir} (eddy run, pid ${held})`);
    jobLock = held;
  }
  // The sink files are positional pairs (lines + ids, see FileSinkWriter): one writer at a time.
  await mkdir(outDir, { recursive: true });
  const lock = await tryLock(join(outDir, '.eddy-run.lock'));
  if (typeof lock === 'number') {
    await jobLock?.release();
    throw new Error(`${outDir} is in use by another eddy run (pid ${lock})`);
  }

  let read = 0;
  let appended = 0;
  const totals = new Map<string, { in: number; out: number; dead: number; fired: number; late: number; held: number; watermark: number }>();
  const onBatch = (r: BatchResult) => {
    const t = totals.get(r.stage) ?? { in: 0, out: 0, dead: 0, fired: 0, late: 0, held: 0, watermark: MIN_WATERMARK };
    t.late += r.late;
    t.held += r.held - r.released; // waiting for the broadcast side's bootstrap
    read += r.recordsIn;
    t.in += r.dataIn;
    t.out += r.outputs;
    t.dead += r.deadLetters;
    t.fired += r.timersFired;
    t.watermark = Math.max(t.watermark, r.watermark);
    totals.set(r.stage, t);
    if (r.state) (heldTimers.get(r.stage) ?? heldTimers.set(r.stage, new Map()).get(r.stage)!).set(r.shard, r.state.heldTimers);
  };
  /** Log-structured stages: the timers each shard held after its last batch (no restore from DynamoDB for a status line). */
  const heldTimers = new Map<string, Map<string, number>>();
  const pendingTimers = async (stageId: string) => {
    const byShard = heldTimers.get(stageId) ?? new Map<string, number>();
    const open = (await services.streams.listShards(stageById(plan, stageId).input.stream)).filter((s) => !s.closed);
    if (open.every((s) => byShard.has(s.shardId))) return open.reduce((n, s) => n + byShard.get(s.shardId)!, 0);
    return countPendingTimers(services, plan, stageId); // a shard that has not run yet in this session: read what is stored
  };
  // No resource prefix: the names are stable per data dir, so this run finds the streams, tables and checkpoints of the last.
  const local = await openLocalJob(job, { endpoints, outDir, processingTime: 'system', onBatch });
  const { plan, services } = local;
  const onAppend = (records: SinkRecordOut[]) => {
    appended += records.length;
    for (const r of records) say(`-> ${r.sink}: ${r.json}`);
  };
  services.sinks = new FileSinkWriter(outDir, { onAppend });
  try {
    // Every sink has its file from the start, as in replay; appending nothing creates a missing one, keeps an existing one.
    for (const sink of sinkNames(plan)) await appendFile(join(outDir, `${sink}.jsonl`), '');
    if (options.drain) {
      // A marker already processed by an earlier --drain is ignored by the source stage; writing it again is harmless.
      for (const stage of plan.stages.filter((s) => s.kind === 'source')) await endSource(services, stage.input.stream);
      say('wrote the end-of-input markers: the job drains (every timer fires) when it reaches them');
    }
    for (const warning of planWarnings(plan)) console.error(`warning: ${warning}`);
    say(`running ${job.name}: stages ${plan.stages.map((s) => s.id).join(', ')}; sink files in ${outDir}; ${batchMode ? `until ${options.drain ? 'drained' : 'idle'}` : 'Ctrl-C stops'}`);

    const activity = new ActivityTracker();
    const runner = new EventSourceRunner({
      plan,
      streams: services.streams,
      reader: activity.reader(local.reader),
      invoke: activity.invoker(local.invoke),
      pollIntervalMs: 200,
      // As a restarted event source mapping would: after the committed position, not from the start of the stream.
      startAfter: async (stage, shard) => (await readCheckpoint(services.store, stage, shard))?.seq,
      onError: (s, sh, e) => say(`! ${s}/${sh}: ${(e as Error).message}`),
    });
    runner.start();
    const stop = new AbortController();
    const printStatus = async () => {
      for (const stage of plan.stages) {
        const t = totals.get(stage.id) ?? { in: 0, out: 0, dead: 0, fired: 0, late: 0, held: 0, watermark: MIN_WATERMARK };
        const pending = stage.stateful ? ` timers pending=${await pendingTimers(stage.id)} fired=${t.fired}` : '';
        const held = t.held > 0 ? ` held-for-bootstrap=${t.held}` : '';
        say(`[${stage.id}] records in=${t.in} out=${t.out} dead-letters=${t.dead}${stage.stateful ? ` late=${t.late}` : ''}${held}${pending} watermark=${formatWatermark(t.watermark)}`);
      }
    };
    const loops: Promise<unknown>[] = [every(Number(options.statusEvery) * 1000, stop.signal, printStatus)];
    // The sweep fires timers of quiet shards by the wall clock and may advance an idle watermark to it: live behaviour.
    // Catching up on recorded input (--until-idle / --drain) must give what replay gives, so it runs without.
    if (!batchMode) {
      const sweep = createSweepHandler(job, () => services);
      loops.push(
        every(5000, stop.signal, async () => {
          const result = await sweep({ once: true }, {} as never);
          for (const pass of result.passes) for (const t of pass.ticks) say(`sweep: woke ${t.stage}/${t.shard}${t.watermark !== undefined ? ` with idle watermark ${new Date(t.watermark).toISOString()}` : ''} (timers due, no data)`);
        }),
      );
    }
    if (generator && options.generate) {
      const feed = async (source: string, records: object[]) => {
        const stage = plan.stages.find((s) => s.input.source === source);
        if (!stage) throw new Error(`no source ${source}`);
        await feedSource(job, services, source, stage.input.stream, records.map((r) => JSON.stringify(r)));
      };
      loops.push(generator(feed, stop.signal).catch((e) => say(`! generator: ${(e as Error).message}`)));
    }

    let durationTimer: NodeJS.Timeout | undefined;
    const reason = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
      if (options.duration) durationTimer = setTimeout(() => resolve('duration'), Number(options.duration) * 1000);
      if (!batchMode) return;
      // Cheap checks first; the checkpoints are read only once everything looks idle.
      const done = async () =>
        runner.caughtUp() && activity.idle(await shardsOf(plan, services.streams)) && (!options.drain || (await allStagesEnded(plan, services.streams, services.store)));
      void whenDone(stop.signal, done).then((finished) => finished && resolve(options.drain ? 'drained' : 'idle'));
    });
    clearTimeout(durationTimer);
    stop.abort();
    await runner.stop();
    await Promise.allSettled(loops);
    if (batchMode) await printStatus(); // where the run ended, not where the last periodic line caught it
    // "read" counts every record delivered to a stage, skipped or not: 0 when a restart had nothing new to do.
    say(`${reason}: stopped after ${((Date.now() - started) / 1000).toFixed(1)} s; read ${read} records, appended ${appended} sink outputs (the local stack keeps running)`);
  } finally {
    await lock.release();
    await jobLock?.release();
    // Keep-alive sockets to the long-lived stack would otherwise hold this process open.
    services.clients.dynamodb.destroy();
    services.clients.kinesis.destroy();
  }
}

/** Resolves true once `condition` holds (checked every 100 ms), false if `signal` aborts first. */
async function whenDone(signal: AbortSignal, condition: () => Promise<boolean>): Promise<boolean> {
  while (!signal.aborted) {
    try {
      if (await condition()) return true;
    } catch {
      // a failed check (the stack busy) is retried; the runner reports real errors itself
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function every(ms: number, signal: AbortSignal, body: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
    });
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
