/** Driving the operating commands of the `eddy` CLI from outside, for test/integration/cli. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliEnv } from '../restart/support.ts';

const exec = promisify(execFile);

/**
 * Runs `eddy <args>` with extra environment variables on top of the test's own CLI environment
 * (no endpoints of the shared stack unless `extra` names them); rejects with the output on a
 * non-zero exit.
 */
export async function eddyWith(extra: NodeJS.ProcessEnv, args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(process.execPath, ['bin/eddy.mjs', ...args], { env: { ...cliEnv(), ...extra }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string; code?: unknown };
    throw new Error(`eddy ${args.join(' ')} failed (${e.code}): ${e.message}\n${e.stdout?.slice(-3000)}\n${e.stderr?.slice(-3000)}`);
  }
}

/** The JSON Lines of a command's output. */
export function jsonLines<T = any>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
