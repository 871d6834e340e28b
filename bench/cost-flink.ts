/**
 * Processing cost against Managed Flink (section F$ of `npm run bench`, or alone:
 * `node bin/run-ts.mjs bench/cost-flink.ts [options]`): every stateful scenario job, on its
 * steady-rate input (lib/cost/steady/), at each rate, through what `eddy cost --steady` does —
 * a metered in-memory run on simulated time with random execution environments
 * (lib/cost/run.ts) — priced as processing cost per hour (lib/cost/processing.ts) against the
 * smallest Managed Flink application. The goal: ≤ 0.25× Flink at 10 events/s, ≤ 0.5× at
 * 100, ≤ 1× at 1,000.
 *
 * Options: --flink-jobs=a,b (the seven stateful jobs), --flink-rates=A,B (10,100,1000),
 * --flink-events=N (20000 records per run, at least), --flink-seed=N (1: the inputs and the
 * environment picks), --flink-no-drain=a,b (hot-items: see NO_DRAIN), --flink-save=DIR (each
 * run's `{ run, report }` as JSON, as `eddy cost --format json` prints it).
 * See docs/benchmarks.md, "Processing cost vs Managed Flink".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadJob } from '../lib/cli/load-job.ts';
import { priceRun } from '../lib/cost/price.ts';
import type { ProcessingCost } from '../lib/cost/processing.ts';
import { bytes, crossover } from '../lib/cost/processing-report.ts';
import { runCost } from '../lib/cost/run.ts';
import { steadyInput, STEADY_INPUTS } from '../lib/cost/steady/index.ts';
import { usd } from '../lib/cost/text.ts';
import { fmt, note, out, runWhenEntry, table } from './report.ts';

/** The goal: processing cost at most this share of Flink's at each rate. */
export const FLINK_GOAL: Record<number, number> = { 10: 0.25, 100: 0.5, 1000: 1 };

/**
 * Jobs run without the end-of-input drain by default. hot-items: its drain closes every open
 * window at once — about 720 windows × the thousands of items bought in the last hour — so one
 * invocation emits millions of window results (more than this simulation's memory, and than a
 * 512 MB Lambda's). Its figures are the feed's: a lower bound (slices leave their windows, and are
 * deleted, an hour after the run's first).
 */
export const NO_DRAIN = ['hot-items'];

export interface FlinkRow {
  job: string;
  rate: number;
  seconds: number;
  processing: ProcessingCost;
}

const kinds = (byKind: Record<string, { readUnits: number; writeUnits: number }>, unit: 'readUnits' | 'writeUnits') =>
  Object.entries(byKind)
    .filter(([, u]) => u[unit] > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, u]) => `${k} ${u[unit].toFixed(3)}`)
    .join(', ') || '-';

/** Runs every job at every rate; prints the tables; returns the rows. */
export async function benchCostFlink(args: string[] = process.argv.slice(2)): Promise<FlinkRow[]> {
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const jobs = option('flink-jobs')?.split(',') ?? Object.keys(STEADY_INPUTS);
  const rates = (option('flink-rates') ?? '10,100,1000').split(',').map(Number);
  const events = Number(option('flink-events') ?? 20_000);
  const seed = Number(option('flink-seed') ?? 1);
  const noDrain = option('flink-no-drain')?.split(',').filter(Boolean) ?? NO_DRAIN;
  const save = option('flink-save');
  if (save) mkdirSync(save, { recursive: true });
  out();
  out(`== F$. Processing cost vs Managed Flink (eddy cost --steady ${events} --seed ${seed}; rates ${rates.join(', ')} events/s; jobs ${jobs.join(', ')})`);
  const rows: FlinkRow[] = [];
  const costRows: (string | number)[][] = [];
  const unitRows: (string | number)[][] = [];
  for (const name of jobs) {
    const { job } = await loadJob(name);
    for (const rate of rates) {
      const started = performance.now();
      const input = steadyInput(name, { events, rate, seed });
      const run = await runCost(job, input.lines, { rate, seed, arrivalsMs: input.arrivalsMs, startMs: input.startMs, drain: !noDrain.includes(name) });
      const report = priceRun(run);
      const p = report.processing;
      const seconds = (performance.now() - started) / 1000;
      note(`flink ${name} at ${rate}/s: ${fmt(seconds, 1)} s, ${usd(p.perHour)}/h, ${fmt(p.flink.ratio, 2)}x Flink`);
      if (save) writeFileSync(join(save, `${name}-${rate}.json`), JSON.stringify({ run, report }, (_, v) => (v === Infinity ? 'all' : v)) + '\n');
      rows.push({ job: name, rate, seconds, processing: p });
      const goal = FLINK_GOAL[rate];
      const keyed = p.containers.filter((c) => c.batches.hit + c.batches['catch-up'] + c.batches.restore + c.batches.unreported > 0); // stateful stages: they report, or are counted as not reporting
      const hit = keyed.map((c) => (c.hitRate === undefined ? '-' : `${fmt(100 * c.hitRate, 0)} %`)).join(' / ') || '-';
      costRows.push([
        name, `${rate}/s`, usd(p.perHour), `${fmt(p.flink.ratio, 2)}x`, p.drained ? `${fmt(p.live.ratio, 2)}x` : '(no drain)', p.drained ? `${fmt(100 * p.drainShare, 0)} %` : '-',
        goal === undefined ? '-' : p.flink.ratio <= goal ? `≤ ${goal}x: yes` : `≤ ${goal}x: no`, crossover(p.flink.crossoverRate), usd(p.fixedPerHour.total), fmt(seconds, 1),
      ]);
      unitRows.push([
        name, `${rate}/s`, kinds(p.units.perEvent, 'writeUnits'), kinds(p.units.perEvent, 'readUnits'), hit,
        bytes(p.containers.reduce((n, c) => n + c.restoreBytes, 0)), bytes(Math.max(0, ...p.containers.map((c) => c.peakHeldBytes))), bytes(Math.max(0, ...p.containers.map((c) => c.heapEstimateBytes))),
      ]);
    }
  }
  out();
  out('   Processing cost per hour at the rate (everything eddy adds beyond the source and sink streams; Lambda 512 MB with 10 ms per AWS request; internal streams in the plan\'s mode),');
  out('   against Managed Flink\'s smallest application ($0.2268/h). "× Flink": with the drain at the end of input (every lifecycle paid); "feed alone": without it.');
  out('   Crossover: the rate at which eddy costs what Flink does, assuming every event costs what it did at this run\'s batch shapes.');
  table(['job', 'rate', 'processing $/h', '× Flink', 'feed alone', 'drain', 'goal', 'crossover', 'fixed $/h', 'run s'], costRows);
  out();
  out('   DynamoDB units per input event by item kind (the stages\'; the sweep\'s are in the fixed cost), hit rate of the keyed stages\' containers (- : the state backend reports none),');
  out('   bytes restored in all, and the most one container held (stored size; heap estimated at + 280 B per item)');
  table(['job', 'rate', 'WRU/event by kind', 'RRU/event by kind', 'hit rate', 'restored', 'held/container', '≈ heap'], unitRows);
  return rows;
}

// Standalone: node bin/run-ts.mjs bench/cost-flink.ts [options]
await runWhenEntry(import.meta.url, 'processing cost vs Managed Flink', () => benchCostFlink());
