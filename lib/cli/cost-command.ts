/**
 * `eddy cost <job>`: what a job would cost on AWS per million input events, next to the naive
 * per-event design. It replays the inputs in memory at a rate (lib/cost/run.ts), counts what
 * AWS bills — Kinesis records and units put and read, Lambda invocations and GB-seconds of
 * measured handler time, DynamoDB request units by the published rules — and prices them at
 * list prices (lib/cost/price.ts, prices in lib/cost/model.ts).
 *
 * @example
 * ```sh
 * eddy cost order-timeout --input orders=orders.jsonl                 # at 100 records/s
 * eddy cost order-timeout --input orders=orders.jsonl --rate all --save run.json
 * eddy cost order-timeout --from run.json --io-ms 20                  # re-price a saved run
 * ```
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { priceRun } from '../cost/price.ts';
import { formatCostReport } from '../cost/report.ts';
import { runCost, type CostRun } from '../cost/run.ts';
import { loadJob, readInputs } from './load-job.ts';

export interface CostCommandOptions {
  input: string[];
  rate: string;
  ioMs: string;
  memoryMb: string;
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
    .description('replay inputs in memory at a rate and print what the job costs on AWS per million events (Kinesis, Lambda, DynamoDB at list prices), next to a naive one-invocation-per-event design')
    .option('--input <source=file>', 'a source and its JSON Lines file (repeatable)', collect, [])
    .option('--rate <n|all>', 'records per second of arrival, all sources together; "all" feeds everything at once (the fullest batches)', '100')
    .option('--io-ms <ms>', 'I/O wait to add to every invocation (the in-memory run measures none)', '0')
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
 * ```
 */
export async function costCommand(jobName: string, options: CostCommandOptions): Promise<void> {
  if (!['text', 'json'].includes(options.format)) throw new Error(`--format takes text or json, got "${options.format}"`);
  const json = options.format === 'json';
  const ioMs = nonNegative('--io-ms', options.ioMs);
  const memoryMb = nonNegative('--memory-mb', options.memoryMb);
  let run: CostRun;
  if (options.from) {
    run = JSON.parse(await readFile(options.from, 'utf8'), (k, v) => (k === 'rate' && v === 'all' ? Infinity : v));
    if (run.job !== jobName) throw new Error(`${options.from} holds a run of ${run.job}, not ${jobName}`);
  } else {
    if (options.input.length === 0) throw new Error('give the inputs (--input <source>=<file>, repeatable) or a saved run (--from <file>)');
    const rate = options.rate === 'all' ? Infinity : nonNegative('--rate', options.rate);
    const { job } = await loadJob(jobName);
    const inputs = await readInputs(options.input);
    run = await runCost(job, inputs, { rate, onProgress: json ? undefined : (m) => console.error(m) });
    if (run.deadLetters > 0) console.error(`eddy cost: ${run.deadLetters} records were dead-lettered (their writes are counted)`);
  }
  const asJson = (value: unknown) => JSON.stringify(value, (_, v) => (v === Infinity ? 'all' : v), 2);
  if (options.save) await writeFile(options.save, asJson(run) + '\n');
  const report = priceRun(run, { ioMs, memoryMb });
  console.log(json ? asJson({ run, report }) : formatCostReport(report).join('\n'));
}

function nonNegative(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new Error(`${flag} takes a number >= 0, got "${value}"`);
  return n;
}
