/**
 * What each Lambda function ships: bundles every function of every example job with the
 * bundler `serverless package` uses (lib/aws/bundle.ts) into `dist/<job>/` and prints the size
 * of each bundle, raw and gzipped (the Lambda zip compresses about as much), as a Markdown table.
 *
 *   node bin/run-ts.mjs bench/bundle-sizes.ts [--job <name>]… [--json <file>] [--load-time]
 *
 * `--load-time` adds how long a fresh Node process takes to import each bundle (median of 3):
 * the part of a Lambda cold start that the bundle decides.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleFunctions, type BundleSize } from '../lib/aws/bundle.ts';
import { FUNCTIONS_DIR, loadJob } from '../lib/cli/load-job.ts';
import { planJob } from '../lib/plan/planner.ts';

/** Median over `runs` fresh processes of the time `import()` of the bundle takes. */
export function loadTime(file: string, runs = 3): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(resolve(file)).href)}); process.stdout.write(String(performance.now() - t));`;
  const times = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })));
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const kib = (bytes: number) => (bytes / 1024).toFixed(0);

export function sizeTable(sizes: BundleSize[]): string {
  const load = sizes.some((s) => s.loadMs !== undefined);
  const rows = sizes.map((s) => `| ${s.job} | ${s.fn} | ${kib(s.bytes)} | ${kib(s.gzipBytes)} | ${kib(s.sdkBytes)} | ${kib(s.zodBytes)} |${load ? ` ${s.loadMs?.toFixed(0)} |` : ''}`);
  const head = `| job | function | bundle KiB | gzipped KiB | of which AWS SDK KiB | of which zod KiB |${load ? ' import ms |' : ''}`;
  return [head, `|---|---|---:|---:|---:|---:|${load ? '---:|' : ''}`, ...rows].join('\n');
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const args = process.argv.slice(2);
  const only = args.flatMap((a, i) => (args[i - 1] === '--job' ? [a] : []));
  const json = args[args.indexOf('--json') + 1];
  const jobs = readdirSync(FUNCTIONS_DIR).filter((d) => existsSync(join(FUNCTIONS_DIR, d, 'job.ts')) && (only.length === 0 || only.includes(d)));
  const root = process.cwd();
  const sizes: BundleSize[] = [];
  for (const name of jobs) {
    const { job } = await loadJob(name);
    const plan = planJob(job.graph);
    sizes.push(...(await bundleFunctions(join(FUNCTIONS_DIR, name, 'job.ts'), plan, join(root, 'dist', plan.job), root)));
  }
  if (args.includes('--load-time')) for (const s of sizes) s.loadMs = loadTime(s.file);
  console.log(sizeTable(sizes.map((s) => ({ ...s, file: relative(root, s.file) }))));
  if (args.includes('--json') && json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify(sizes, null, 2));
  }
}
