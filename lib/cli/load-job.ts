import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Job } from '../api/job.ts';

/** The repository's `functions/` folder, where each example job lives in `<name>/job.ts`. */
export const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions');

/**
 * Loads a job by name (`functions/<name>/job.ts`) or by path to a module whose default
 * export is a {@link Job}; a `live.ts` beside it may export `startGenerator` for `eddy run --generate`.
 *
 * @example
 * ```ts
 * const { job } = await loadJob('order-timeout');
 * ```
 */
export async function loadJob(nameOrPath: string): Promise<{ job: Job; module: Record<string, unknown>; dir: string }> {
  const file = existsSync(nameOrPath) && nameOrPath.endsWith('.ts') ? resolve(nameOrPath) : join(FUNCTIONS_DIR, nameOrPath, 'job.ts');
  if (!existsSync(file)) {
    const known = existsSync(FUNCTIONS_DIR) ? readdirSync(FUNCTIONS_DIR).filter((d) => existsSync(join(FUNCTIONS_DIR, d, 'job.ts'))) : [];
    throw new Error(`no job "${nameOrPath}" (known jobs: ${known.join(', ') || 'none'}; or give a path to a job .ts file)`);
  }
  const live = join(dirname(file), 'live.ts');
  const module = {
    ...(existsSync(live) ? ((await import(pathToFileURL(live).href)) as Record<string, unknown>) : {}),
    ...((await import(pathToFileURL(file).href)) as Record<string, unknown>),
  };
  if (!(module.default instanceof Job)) throw new Error(`${file} must export a Job as default`);
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
