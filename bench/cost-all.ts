/**
 * Cost per million events of every scenario job (section C$ of `npm run bench`, or alone:
 * `node bin/run-ts.mjs bench/cost-all.ts [options]`): for each job in functions/, inputs from
 * its scenario generator (test/scenario/*), then what `eddy cost` does — a metered in-memory
 * replay fed at a rate (lib/cost/run.ts), priced at list prices next to the naive per-event
 * design (lib/cost/price.ts). The full `eddy cost` report of each job at the first rate, then
 * a summary over all jobs and rates.
 *
 * Options: --cost-rates=A[,B…] (100,1000,all: records per second of arrival; `all` feeds
 * everything at once), --cost-scale=X (1: multiplies every generator's size), --cost-jobs=a,b
 * (all of functions/), --cost-io-ms=N (20: the summary also prices every invocation, eddy's and
 * the naive design's, with N ms of I/O wait on top of its measured time, which has none in
 * memory). See docs/benchmarks.md, "Cost per million events".
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS_DIR, loadJob } from '../lib/cli/load-job.ts';
import { priceRun, type CostReport, type Dollars } from '../lib/cost/price.ts';
import { formatCostReport } from '../lib/cost/report.ts';
import { usd } from '../lib/cost/text.ts';
import { runCost } from '../lib/cost/run.ts';
import { generateRequests } from '../test/scenario/anti-crawler/generator.ts';
import { generateMaxwell } from '../test/scenario/cdc-split/generator.ts';
import { generateDimEnrich } from '../test/scenario/dim-enrich/generator.ts';
import { generateOrderJoin } from '../test/scenario/order-join/generator.ts';
import { generateOrderStream } from '../test/scenario/order-timeout/generator.ts';
import { generatePurchases } from '../test/scenario/purchases/generator.ts';
import { fmt, note, out, runWhenEntry, table } from './report.ts';

const SEED = 20261124;
const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r));
const purchases = (n: number) => ({ purchases: lines(generatePurchases({ seed: SEED, events: n, users: 1000, items: 200, spanMs: 2 * 3_600_000 })) });

/** Inputs of each scenario job, about `10,000 × scale` records, from the scenario generators. */
const INPUTS: Record<string, { describe: string; make: (scale: number) => Record<string, string[]> }> = {
  'order-timeout': { describe: 'generateOrderStream, 4,000 orders', make: (s) => ({ orders: lines(generateOrderStream({ seed: SEED, orders: Math.round(4000 * s) })) }) },
  'hourly-uv': { describe: 'generatePurchases, 10,000 over 2 h, 1,000 users, 200 items', make: (s) => purchases(Math.round(10_000 * s)) },
  'uv-sliding': { describe: 'generatePurchases, as hourly-uv', make: (s) => purchases(Math.round(10_000 * s)) },
  'hot-items': { describe: 'generatePurchases, as hourly-uv', make: (s) => purchases(Math.round(10_000 * s)) },
  'anti-crawler': { describe: 'generateRequests, 10,000 requests from 200 ips', make: (s) => ({ requests: lines(generateRequests({ seed: SEED, ips: Math.max(20, Math.round(200 * s)), requests: Math.round(10_000 * s) })) }) },
  'cdc-split': { describe: 'generateMaxwell, 10,000 change records', make: (s) => ({ maxwell: lines(generateMaxwell({ seed: SEED, records: Math.round(10_000 * s) })) }) },
  'order-join': {
    describe: 'generateOrderJoin, 3,000 orders and their details',
    make: (s) => {
      const { orders, details } = generateOrderJoin({ seed: SEED, orders: Math.round(3000 * s) });
      return { orders: lines(orders), 'order-details': lines(details) };
    },
  },
  'dim-enrich': {
    describe: 'generateDimEnrich, 200 products, 10,000 events, 200 later changes, 50 noise rows',
    make: (s) => {
      const { changes, events } = generateDimEnrich({ seed: SEED, products: Math.max(20, Math.round(200 * s)), events: Math.round(10_000 * s), changesAfter: Math.round(200 * s), noise: Math.round(50 * s) });
      return { events: lines(events), 'product-cdc': lines(changes) };
    },
  },
};

const COMPONENTS: [string, keyof Dollars][] = [
  ['Lambda requests', 'lambdaRequests'],
  ['Lambda duration', 'lambdaDuration'],
  ['DynamoDB reads', 'dynamoReads'],
  ['DynamoDB writes', 'dynamoWrites'],
  ['Kinesis in', 'kinesisIn'],
  ['Kinesis reads', 'kinesisReads'],
];

function largest(d: Dollars): string {
  const [label, key] = COMPONENTS.reduce((best, c) => (d[c[1]] > d[best[1]] ? c : best));
  return `${label} ${fmt((100 * d[key]) / d.total)} %`;
}

/** Runs every job at every rate; prints each job's report at the first rate, then the summary. */
export async function benchCostAll(args: string[] = process.argv.slice(2)): Promise<CostReport[]> {
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const rates = (option('cost-rates') ?? '100,1000,all').split(',').map((r) => (r === 'all' ? Infinity : Number(r)));
  const scale = Number(option('cost-scale') ?? 1);
  const ioMs = Number(option('cost-io-ms') ?? 20);
  const jobs = option('cost-jobs')?.split(',') ?? readdirSync(FUNCTIONS_DIR).filter((d) => existsSync(join(FUNCTIONS_DIR, d, 'job.ts'))).sort();
  out();
  out(`== C$. Cost per million events, every scenario job (eddy cost; rates ${rates.map((r) => (Number.isFinite(r) ? `${r}/s` : 'all')).join(', ')}; scale ${scale})`);
  const reports: CostReport[] = [];
  const withIo = new Map<CostReport, CostReport>();
  const rows: (string | number)[][] = [];
  for (const name of jobs) {
    const inputs = INPUTS[name];
    if (!inputs) {
      out(`   ${name}: no scenario generator known to bench/cost-all.ts, skipped`);
      continue;
    }
    const { job } = await loadJob(name);
    const data = inputs.make(scale);
    const byRate: CostReport[] = [];
    for (const rate of rates) {
      const started = performance.now();
      const run = await runCost(job, data, { rate });
      const report = priceRun(run);
      withIo.set(report, priceRun(run, { ioMs }));
      note(`cost ${name} at ${rate}/s: ${fmt((performance.now() - started) / 1000, 1)} s, ${usd(report.perMillion.eddy)} per million (dead letters ${run.deadLetters})`);
      if (run.deadLetters > 0) out(`   NOTE: ${name} at ${rate}/s dead-lettered ${run.deadLetters} records`);
      byRate.push(report);
    }
    const first = byRate[0];
    out();
    out(`-- ${name}: ${inputs.describe}`);
    for (const line of formatCostReport(first)) out(`   ${line}`);
    reports.push(...byRate);
    for (const r of byRate) {
      rows.push([
        r === first ? name : '', Number.isFinite(r.rate) ? `${fmt(r.rate)}/s` : 'all', fmt(r.inputEvents), usd(r.perMillion.eddy), usd(r.perMillion.naive), `${fmt(r.perMillion.naive / r.perMillion.eddy, 2)}x`,
        largest(r.eddy), usd(withIo.get(r)!.perMillion.eddy), usd(withIo.get(r)!.perMillion.naive), usd(r.fixed.perHour), Number.isFinite(r.rate) ? usd(r.fixed.perMillionAtRate) : '-',
      ]);
    }
  }
  out();
  out('   Summary: $ per million input events (variable costs; us-east-1 list prices, Kinesis and DynamoDB on-demand, Lambda 512 MB)');
  out(`   "+${ioMs} ms": the same counts with ${ioMs} ms of I/O wait billed on top of every invocation (eddy's and the naive design's); "fixed": stream-hours and the sweep`);
  table(['job', 'rate', 'events', 'eddy $/M', 'naive $/M', 'naive/eddy', 'largest part of eddy', `eddy +${ioMs} ms`, `naive +${ioMs} ms`, 'fixed $/h', '+ fixed $/M at rate'], rows);
  return reports;
}

// Standalone: node bin/run-ts.mjs bench/cost-all.ts [options]
await runWhenEntry(import.meta.url, 'cost of every scenario job', () => benchCostAll());
