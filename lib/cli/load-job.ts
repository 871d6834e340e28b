import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Job } from '../api/job.ts';

/** The repository's `functions/` folder, where each example job lives in `<name>/job.ts` (a checkout only: the package does not ship it). */
export const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions');

/** What a job module may be: TypeScript (loaded through tsx) or JavaScript. */
const JOB_FILE = /\.(ts|mts|js|mjs)$/;

/**
 * Loads a job by path to a module (TypeScript or JavaScript) whose default export is a
 * {@link Job}, or, in a checkout of eddy, by the name of an example job (`functions/<name>/job.ts`);
 * a `live.ts` beside it may export `startGenerator` for `eddy run --generate`.
 *
 * @example
 * ```ts
 * const { job } = await loadJob('order-timeout');
 * ```
 */
export async function loadJob(nameOrPath: string): Promise<{ job: Job; module: Record<string, unknown>; dir: string }> {
  const file = JOB_FILE.test(nameOrPath) && existsSync(nameOrPath) ? resolve(nameOrPath) : join(FUNCTIONS_DIR, nameOrPath, 'job.ts');
  if (!existsSync(file)) {
    const known = existsSync(FUNCTIONS_DIR) ? readdirSync(FUNCTIONS_DIR).filter((d) => existsSync(join(FUNCTIONS_DIR, d, 'job.ts'))) : [];
    const hint = JOB_FILE.test(nameOrPath) ? `no file ${resolve(nameOrPath)}` : known.length > 0 ? `known jobs: ${known.join(', ')}` : 'give the path to its module, e.g. jobs/clicks.ts';
    throw new Error(`no job "${nameOrPath}" (${hint})`);
  }
  const live = join(dirname(file), 'live.ts');
  const module = {
    ...(existsSync(live) ? ((await import(pathToFileURL(live).href)) as Record<string, unknown>) : {}),
    ...((await import(pathToFileURL(file).href)) as Record<string, unknown>),
  };
  if (!(module.default instanceof Job)) {
    // A Job of another copy of eddy: a global `eddy` running a project that installed its own.
    const foreign = module.default?.constructor?.name === 'Job';
    throw new Error(`${file} must export a Job as default${foreign ? ` (it exports a Job of another copy of eddy than this CLI's, ${fileURLToPath(new URL('..', import.meta.url))}: run the project's own, \`npx eddy\`)` : ''}`);
  }
  return { job: module.default, module, dir: dirname(file) };
}

/**
 * One `--input <source>=<file>` flag, split.
 *
 * @example
 * ```ts
 * parseInputSpec('orders=orders.jsonl'); // { source: 'orders', file: 'orders.jsonl' }
 * ```
 */
export function parseInputSpec(spec: string): { source: string; file: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--input takes <source>=<file>, got "${spec}"`);
  return { source: spec.slice(0, eq), file: spec.slice(eq + 1) };
}

/**
 * The lines of every `--input <source>=<file>`, by source (blank lines kept: replay dead-letters nothing for them).
 *
 * @example
 * ```ts
 * const inputs = await readInputs(['orders=orders.jsonl']); // { orders: [...lines] }
 * ```
 */
export async function readInputs(specs: string[]): Promise<Record<string, string[]>> {
  const inputs: Record<string, string[]> = {};
  for (const { source, file } of specs.map(parseInputSpec)) inputs[source] = (await readFile(file, 'utf8')).split('\n');
  return inputs;
}
