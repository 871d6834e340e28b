/**
 * Nexmark cost at 1,000 events/s (section N$ of `npm run bench`, or alone: `node bin/run-ts.mjs
 * bench/nexmark-cost.ts [--nexmark-cost-seconds=N] [--nexmark-cost-rate=N] [--nexmark-cost-queries=q1,q5]
 * [--nexmark-cost-write=DIR]`): what `eddy cost` reports for each Nexmark job on a Nexmark stream
 * of `rate` events per second (all three streams together), next to Managed Flink's smallest
 * application (/work/shared/COST.md).
 *
 * The stream is the generator's (test/scenario/nexmark/generator.ts) with one event per
 * 1000 / rate ms of event time, so that event time and arrival time advance together, for
 * `seconds` seconds (60 by default: 60,000 events at 1,000/s). A job reads only its own
 * streams: q1 gets the bids, 92 % of the events, at 920 records/s; q3 the persons and
 * auctions, at 80/s. `--nexmark-cost-write=DIR` also writes each stream's file, so that a row
 * is reproduced by hand: `eddy cost nexmark-q5 --input bids=DIR/bids.jsonl --rate 920`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadJob } from '../lib/cli/load-job.ts';
import { priceRun } from '../lib/cost/price.ts';
import { runCost } from '../lib/cost/run.ts';
import { usd } from '../lib/cost/text.ts';
import { generateNexmark, nexmarkLines } from '../test/scenario/nexmark/generator.ts';
import { NEXMARK_QUERIES } from './nexmark.ts';
import { fmt, note, out, runWhenEntry, table } from './report.ts';

export interface NexmarkCostRow {
  query: string;
  perHour: number;
  flinkRatio: number;
}

/** Prices every Nexmark job on the same generated stream; prints the table; returns the rows. */
export async function benchNexmarkCost(args: string[] = process.argv.slice(2)): Promise<NexmarkCostRow[]> {
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const rate = Number(option('nexmark-cost-rate') ?? 1000);
  const seconds = Number(option('nexmark-cost-seconds') ?? 60);
  const only = option('nexmark-cost-queries')?.split(',');
  const write = option('nexmark-cost-write');
  const events = Math.round(rate * seconds);
  const data = generateNexmark({ seed: 2026, events, delayMs: 1000 / rate });
  const streams = { persons: nexmarkLines(data.persons), auctions: nexmarkLines(data.auctions), bids: nexmarkLines(data.bids) };
  if (write) {
    mkdirSync(write, { recursive: true });
    for (const [name, l] of Object.entries(streams)) writeFileSync(join(write, `${name}.jsonl`), l.join('\n') + '\n');
  }

  const rows: NexmarkCostRow[] = [];
  const printed: (string | number)[][] = [];
  for (const q of NEXMARK_QUERIES.filter((x) => !only || only.includes(x.name))) {
    const started = performance.now();
    const { job } = await loadJob(`nexmark-${q.name}`);
    const inputs = Object.fromEntries(q.reads.map((s) => [s, streams[s]]));
    const read = q.reads.reduce((n, s) => n + streams[s].length, 0);
    const jobRate = read / seconds; // the job's share of the stream's rate
    const run = await runCost(job, inputs, { rate: jobRate, seed: 1 });
    if (run.deadLetters > 0) throw new Error(`nexmark-${q.name}: ${run.deadLetters} records dead-lettered at ${fmt(jobRate)} records/s (the input is valid)`);
    const report = priceRun(run);
    const p = report.processing;
    note(`nexmark-${q.name} cost: ${fmt((performance.now() - started) / 1000, 1)} s`);
    rows.push({ query: q.name, perHour: p.perHour, flinkRatio: p.flink.ratio });
    printed.push([
      `nexmark-${q.name}`, q.reads.join('+'), fmt(jobRate), usd(p.perHour), usd(p.fixedPerHour.total), `${fmt(p.flink.ratio, 2)}x`, usd(report.perMillion.eddy),
      `eddy cost nexmark-${q.name} ${q.reads.map((s) => `--input ${s}=DIR/${s}.jsonl`).join(' ')} --rate ${fmt(jobRate).replace(/,/g, '')}`,
    ]);
  }
  out(`\n== N$. Nexmark cost: a stream of ${fmt(rate)} events/s (all three streams), ${seconds} s of it (${fmt(events)} events, seed 2026), what eddy cost reports per job`);
  table(['job', 'reads', 'records/s', 'processing $/h', 'fixed $/h', '× Flink', 'all-in $/M records', 'reproduce (files: --nexmark-cost-write=DIR)'], printed);
  out('   No record was dead-lettered in any run (the bench fails otherwise). All-in $/M: every AWS charge per million records read, the source and sink streams included.');
  out('   Processing cost per hour as eddy cost prices it (Lambda 512 MB, 10 ms per AWS request, DynamoDB, internal streams, sweep; sources and sink streams excluded),');
  out("   against Managed Flink's smallest application ($0.2268/h), which runs one query at a time too.");
  return rows;
}

await runWhenEntry(import.meta.url, 'nexmark cost', () => benchNexmarkCost());
