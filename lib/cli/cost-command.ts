/**
 * `eddy cost <job>`: what a job would cost on AWS — its processing cost per hour at the input's
 * rate against Managed Flink's smallest application, and per million input events next to the
 * naive per-event design. It replays the inputs in memory on simulated time at a rate, on a pool
 * of execution environments per stage (lib/cost/run.ts), counts what AWS bills — Kinesis
 * records and units put and read, Lambda invocations and GB-seconds, DynamoDB request units by
 * the published rules and storage — and prices them at list prices (lib/cost/processing.ts,
 * lib/cost/price.ts; prices in lib/cost/model.ts). The input is a file per source, or a
 * steady-rate input made for the job (`--steady <events>`, lib/cost/steady/).
 *
 * @example
 * ```sh
 * eddy cost order-timeout --input orders=orders.jsonl                 # at 100 records/s
 * eddy cost hot-items --steady 20000 --rate 10 --format json          # a steady input at 10 events/s
 * eddy cost order-timeout --input orders=orders.jsonl --rate all --save run.json
 * eddy cost order-timeout --from run.json --request-ms 20             # re-price a saved run
 * ```
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { priceRun } from '../cost/price.ts';
import { formatCostReport } from '../cost/report.ts';
import { runCost, type CostRun, type CostRunOptions } from '../cost/run.ts';
import { steadyInput, STEADY_INPUTS } from '../cost/steady/index.ts';
import { PROCESSING_DEFAULTS } from '../cost/processing.ts';
import { loadJob, readInputs } from './load-job.ts';

export interface CostCommandOptions {
  input: string[];
  steady?: string;
  rate: string;
  ioMs: string;
  requestMs?: string;
  initMs?: string;
  retentionDays?: string;
  ttlLagHours?: string;
  memoryMb: string;
  environments?: string;
  recycleMinutes?: string;
  seed?: string;
  drain?: boolean;
  metrics?: boolean;
  format: string;
  save?: string;
  from?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Adds `eddy cost` to the command line.
 *
 * @example
 * ```ts
 * registerCostCommand(program);
 * ```
 */
export function registerCostCommand(program: Command): void {
  program
    .command('cost <job>')
    .description('replay inputs in memory on simulated time at a rate and print what the job costs on AWS: processing cost per hour against Managed Flink, and per million events next to a naive one-invocation-per-event design (Kinesis, Lambda, DynamoDB at list prices)')
    .option('--input <source=file>', 'a source and its JSON Lines file (repeatable)', collect, [])
    .option('--steady <events>', `a steady-rate input of this many records made for the job, at --rate (${Object.keys(STEADY_INPUTS).join(', ')})`)
    .option('--rate <n|all>', 'records per second of arrival, all sources together; "all" feeds everything at once (the fullest batches)', '100')
    .option('--environments <n>', 'execution environments per stage, each invocation on a random one (default: the stage\'s shard count + 1)')
    .option('--recycle-minutes <min>', 'simulated minutes after which an environment is replaced by a fresh one', '15')
    .option('--seed <n>', 'seed of the environment picks (and of --steady)', '1')
    .option('--no-drain', 'stop at the end of the input instead of draining the job (every timer fired, every window closed)')
    .option('--io-ms <ms>', 'I/O wait to add to every invocation (the in-memory run measures none)', '0')
    .option('--request-ms <ms>', 'wait per AWS request an invocation makes, in the processing cost', String(PROCESSING_DEFAULTS.requestMs))
    .option('--init-ms <ms>', 'billed INIT of an execution environment', String(PROCESSING_DEFAULTS.initMs))
    .option('--retention-days <d>', 'days log, snapshot and redo items are kept by TTL', String(PROCESSING_DEFAULTS.retentionDays))
    .option('--ttl-lag-hours <h>', 'hours DynamoDB takes to delete an item after its TTL', String(PROCESSING_DEFAULTS.ttlLagHours))
    .option('--no-metrics', 'price the stage handlers without their CloudWatch metrics (EDDY_METRICS=off)')
    .option('--memory-mb <mb>', 'Lambda memory size (serverless.yml)', '512')
    .option('--format <format>', 'text, or json (the counts and the report)', 'text')
    .option('--save <file>', 'also write the run\'s counts to this file (JSON), to price again with --from')
    .option('--from <file>', 'price the counts saved by --save instead of running')
    .action((name: string, opts: CostCommandOptions) => costCommand(name, opts));
}

/**
 * Runs (or reads) the counts, prices them and prints the report.
 *
 * @example
 * ```ts
 * await costCommand('order-timeout', { input: ['orders=orders.jsonl'], rate: '100', ioMs: '0', memoryMb: '512', format: 'text' });
 * await costCommand('hot-items', { input: [], steady: '20000', rate: '10', ioMs: '0', memoryMb: '512', format: 'json' });
 * ```
 */
export async function costCommand(jobName: string, options: CostCommandOptions): Promise<void> {
  if (!['text', 'json'].includes(options.format)) throw new Error(`--format takes text or json, got "${options.format}"`);
  const json = options.format === 'json';
  const optional = (flag: string, value: string | undefined) => (value === undefined ? undefined : nonNegative(flag, value));
  const pricing = {
    ioMs: nonNegative('--io-ms', options.ioMs),
    memoryMb: nonNegative('--memory-mb', options.memoryMb),
    requestMs: optional('--request-ms', options.requestMs),
    initMs: optional('--init-ms', options.initMs),
    retentionDays: optional('--retention-days', options.retentionDays),
    ttlLagHours: optional('--ttl-lag-hours', options.ttlLagHours),
    metrics: options.metrics ?? true,
  };
  let run: CostRun;
  if (options.from) {
    run = JSON.parse(await readFile(options.from, 'utf8'), (k, v) => (k === 'rate' && v === 'all' ? Infinity : v));
    if (run.job !== jobName) throw new Error(`${options.from} holds a run of ${run.job}, not ${jobName}`);
    if (run.feedCounts === undefined) throw new Error(`${options.from} was saved by an older eddy cost (no simulated time): run again`);
  } else {
    run = await runFresh(jobName, options, json);
    if (run.deadLetters > 0) console.error(`eddy cost: ${run.deadLetters} records were dead-lettered (their writes are counted)`);
  }
  const asJson = (value: unknown) => JSON.stringify(value, (_, v) => (v === Infinity ? 'all' : v), 2);
  if (options.save) await writeFile(options.save, asJson(run) + '\n');
  const report = priceRun(run, pricing);
  console.log(json ? asJson({ run, report }) : formatCostReport(report).join('\n'));
}

/** Runs the job on the inputs the options name: files, or a steady-rate input made for it. */
async function runFresh(jobName: string, options: CostCommandOptions, quiet: boolean): Promise<CostRun> {
  const rate = options.rate === 'all' ? Infinity : positive('--rate', options.rate);
  const seed = nonNegative('--seed', options.seed ?? '1');
  const settings: CostRunOptions = {
    rate,
    seed,
    environments: options.environments === undefined ? undefined : positive('--environments', options.environments),
    recycleMinutes: options.recycleMinutes === undefined ? undefined : positive('--recycle-minutes', options.recycleMinutes),
    drain: options.drain ?? true,
    onProgress: quiet ? undefined : (m) => console.error(m),
  };
  const { job } = await loadJob(jobName);
  if (options.steady !== undefined) {
    if (options.input.length > 0) throw new Error('give either --input files or --steady <events>, not both');
    if (!Number.isFinite(rate)) throw new Error('--steady needs a rate in records per second, not "all"');
    const input = steadyInput(jobName, { events: positive('--steady', options.steady), rate, seed });
    return runCost(job, input.lines, { ...settings, arrivalsMs: input.arrivalsMs, startMs: input.startMs });
  }
  if (options.input.length === 0) throw new Error('give the inputs (--input <source>=<file>, repeatable, or --steady <events>) or a saved run (--from <file>)');
  return runCost(job, await readInputs(options.input), settings);
}

function positive(flag: string, value: string): number {
  const n = nonNegative(flag, value);
  if (n === 0) throw new Error(`${flag} takes a number > 0, got "${value}"`);
  return n;
}

function nonNegative(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new Error(`${flag} takes a number >= 0, got "${value}"`);
  return n;
}
