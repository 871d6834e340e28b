/** Runs `eddy replay` as a user would, on the shared test stack, and reads its output files. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localEndpoints } from './stack.ts';

const run = promisify(execFile);

export interface ReplayRun {
  dir: string;
  stderr: string;
  /** The rows of `<out>/<sink>.jsonl`. */
  read(sink: string): Promise<any[]>;
  /** What `--chaos` reports it did (crashes per point, duplicated deliveries). */
  chaosCounts(): Record<string, number>;
}

/**
 * @example
 * ```ts
 * const { read } = await replayCli('hot-items', { purchases: lines.join('\n') }, ['--chaos', '0.2', '--seed', '1']);
 * ```
 */
export async function replayCli(job: string, inputs: Record<string, string>, extraArgs: string[] = []): Promise<ReplayRun> {
  const dir = await mkdtemp(join(tmpdir(), `eddy-${job}-`));
  // --quiet would also hide the chaos report.
  const args = ['bin/eddy.mjs', 'replay', job, '--out', join(dir, 'out'), ...(extraArgs.includes('--chaos') ? [] : ['--quiet']), ...extraArgs];
  for (const [source, text] of Object.entries(inputs)) {
    await writeFile(join(dir, `${source}.jsonl`), text);
    args.push('--input', `${source}=${join(dir, `${source}.jsonl`)}`);
  }
  const endpoints = localEndpoints();
  const { stderr } = await run('node', args, {
    env: { ...process.env, EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis },
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  await writeFile(join(dir, 'stderr.txt'), stderr); // kept for a post-mortem of a failed run
  return {
    dir,
    stderr,
    read: async (sink) => (await readFile(join(dir, 'out', `${sink}.jsonl`), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    chaosCounts: () => JSON.parse(/chaos: (\{.*\})/.exec(stderr)?.[1] ?? '{}') as Record<string, number>,
  };
}
