/**
 * Bundles every job's Lambda functions with esbuild: one self-contained ES module per function,
 * `dist/<job>/<function>.js` beside a `package.json` saying `"type": "module"` (Lambda loads it
 * as ESM, and so does `serverless invoke local`, which never tries `.mjs`), exporting that function's handler from
 * `functions/<job>/handler.ts` (the functions are the plan's: `lambdaFunctions`). Prints the
 * size of each bundle, raw and gzipped (the Lambda zip compresses about as much), as a
 * Markdown table.
 *
 *   node bin/run-ts.mjs infra/bundle.ts [--job <name>]… [--json <file>] [--load-time]
 *
 * `--load-time` adds how long a fresh Node process takes to import each bundle (median of 3):
 * the part of a Lambda cold start that the bundle decides.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Job } from '../lib/api/job.ts';
import { planJob } from '../lib/plan/planner.ts';
import { lambdaFunctions } from '../lib/plan/serverless.ts';

export interface BundleSize {
  job: string;
  fn: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes of the bundle that come from the AWS SDK (`@aws-sdk/*`, `@smithy/*`, `@aws-crypto/*`). */
  sdkBytes: number;
  /** Bytes that come from zod (the jobs' record schemas). */
  zodBytes: number;
  /** Median time to import the bundle in a fresh Node process (`--load-time`). */
  loadMs?: number;
}

/**
 * `functions/<job>/handler.ts` creates every handler of the job at module level. The calls
 * only build a handler (no I/O), so they are marked pure: a function's bundle then keeps its
 * own handler and drops the others' code.
 */
const pureHandlers: Plugin = {
  name: 'eddy-pure-handlers',
  setup(b) {
    b.onLoad({ filter: /[\\/]functions[\\/][^\\/]+[\\/]handler\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/=\s*(create(?:Stage|Sweep)Handler)\(/g, '= /* @__PURE__ */ $1('),
      loader: 'ts',
    }));
  },
};

export async function bundleJob(job: string, root = process.cwd()): Promise<BundleSize[]> {
  const module = await import(pathToFileURL(join(root, 'functions', job, 'job.ts')).href);
  if (!(module.default instanceof Job)) throw new Error(`functions/${job}/job.ts must export a Job as default`);
  const outDir = join(root, 'dist', job);
  mkdirSync(outDir, { recursive: true });
  const functions = lambdaFunctions(planJob(module.default.graph));
  // No bundle of a function the plan no longer has. The rest is replaced file by file, each
  // atomically: two builds at once (tests do that) write the same bytes and never see half a file.
  for (const f of readdirSync(outDir)) if (!functions.some((fn) => f === `${fn}.js`) && f !== 'package.json') rmSync(join(outDir, f), { force: true });
  writeAtomically(join(outDir, 'package.json'), '{ "type": "module" }\n');
  const sizes: BundleSize[] = [];
  for (const fn of functions) {
    const outfile = join(outDir, `${fn}.js`);
    const result = await build({
      stdin: { contents: `export { ${fn} } from './functions/${job}/handler.ts';`, resolveDir: root, loader: 'ts', sourcefile: `${job}/${fn}.ts` },
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      sourcemap: false,
      metafile: true,
      plugins: [pureHandlers],
      // Some dependencies still call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __eddyRequire } from 'node:module'; const require = __eddyRequire(import.meta.url);" },
      logLevel: 'warning',
      write: false,
    });
    const data = Buffer.from(result.outputFiles[0].contents);
    writeAtomically(outfile, data);
    sizes.push({ job, fn, file: join('dist', job, `${fn}.js`), bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length, ...partBytes(result.metafile) });
  }
  return sizes;
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

function partBytes(meta: Metafile): { sdkBytes: number; zodBytes: number } {
  const parts = { sdkBytes: 0, zodBytes: 0 };
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (/node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(input)) parts.sdkBytes += bytesInOutput;
      else if (/node_modules\/zod\//.test(input)) parts.zodBytes += bytesInOutput;
    }
  }
  return parts;
}

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
  const jobs = readdirSync('functions').filter((d) => existsSync(join('functions', d, 'handler.ts')) && (only.length === 0 || only.includes(d)));
  const sizes: BundleSize[] = [];
  for (const job of jobs) sizes.push(...(await bundleJob(job)));
  if (args.includes('--load-time')) for (const s of sizes) s.loadMs = loadTime(s.file);
  console.log(sizeTable(sizes));
  if (args.includes('--json') && json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify(sizes, null, 2));
  }
}
