/** Driving the `eddy` CLI from outside, as a user would, for the restart scenario tests. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OrderEvent } from '../../scenario/order-timeout/oracle.ts';
import { sortRows } from '../../scenario/order-timeout/oracle.ts';

const exec = promisify(execFile);
export const SINKS = ['paid', 'timeouts', 'late-payments'] as const;

/**
 * The environment of the CLI without the variables that would send it to another stack (the
 * test run's shared emulators): these tests are about the data dir's own stack service.
 */
export function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['EDDY_DYNAMODB_ENDPOINT', 'EDDY_KINESIS_ENDPOINT', 'AWS_ENDPOINT_URL', 'EDDY_OUT_DIR', 'EDDY_RESOURCE_PREFIX']) delete env[name];
  return env;
}

/** Runs `eddy <args>` to completion; rejects (with its output) on a non-zero exit. */
export async function eddy(args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(process.execPath, ['bin/eddy.mjs', ...args], { env: cliEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string; code?: unknown };
    throw new Error(`eddy ${args.join(' ')} failed (${e.code}): ${e.message}\n${e.stdout?.slice(-3000)}\n${e.stderr?.slice(-3000)}`);
  }
}

/** Exit code of `eddy <args>` (for `stack status`, which exits 3 when nothing runs). */
export async function eddyCode(args: string[]): Promise<number> {
  try {
    await exec(process.execPath, ['bin/eddy.mjs', ...args], { env: cliEnv(), timeout: 60_000 });
    return 0;
  } catch (error) {
    return Number((error as { code?: unknown }).code);
  }
}

/** Starts `eddy <args>` in a process group of its own (so the test can SIGKILL the whole group), output to `log`. */
export function eddyDetached(args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, ['bin/eddy.mjs', ...args], { env: cliEnv(), detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

export async function writeOrders(path: string, events: OrderEvent[]): Promise<string> {
  await writeFile(path, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return path;
}

/** The rows of `<dir>/<sink>.jsonl` ([] when the file does not exist yet). */
export async function readSink(dir: string, sink: string): Promise<unknown[]> {
  const text = await readFile(join(dir, `${sink}.jsonl`), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Every sink's rows, sorted (the contract is about sets of rows; order across keys is free). */
export async function readSorted(dir: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const sink of SINKS) out[sink] = sortRows((await readSink(dir, sink)) as any[]);
  return out;
}

export async function countLines(dir: string): Promise<number> {
  let n = 0;
  for (const sink of SINKS) n += (await readSink(dir, sink)).length;
  return n;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
