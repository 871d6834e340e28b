/**
 * The embedded local stack as a service of its own, as a LocalStack container would be: one
 * background process per data dir (`stack-main.ts`) owns DynamoDB Local and kinesis-mock and
 * announces itself in `<dataDir>/stack.json`. `eddy feed` / `eddy run` start it when it is not
 * running and leave it running, so killing a job never kills its streams and tables; `eddy
 * stack stop` stops it with SIGTERM, which is what lets the emulators flush to disk.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { EMULATOR_NAMES, probeEmulator, type EmulatorName, type EmulatorStatus, type EmulatorStatuses } from './emulators.ts';
import { OWN_EXTENSION, PACKAGE_ROOT, RUNNING_FROM_SOURCE } from './own-code.ts';
import { pidAlive, waitForLock } from './pid-lock.ts';

/** What `<dataDir>/stack.json` says about the running service. */
export interface StackInfo {
  pid: number;
  endpoints: { dynamodb: string; kinesis: string };
  dataDir: string;
  startedAt: string;
  /** Each emulator's pid and restart history, rewritten by the service's supervisor on every change (absent: an older service). */
  emulators?: EmulatorStatuses;
}

/** One emulator as `eddy stack status` reports it: its endpoint's answer decides 'running'. */
export interface EmulatorReport extends Omit<EmulatorStatus, 'state' | 'restarts'> {
  /** 'running': answers an API call; 'restarting': does not, and the service is starting it again; 'down': neither. */
  state: 'running' | 'restarting' | 'down';
  endpoint: string;
  restarts?: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** The service's entry; also how a pid is recognised as ours (its command line names this file). */
export const STACK_MAIN = join(HERE, `stack-main${OWN_EXTENSION}`);
/** In a checkout through tsx (bin/run-ts.mjs); the installed package's build/ runs on Node itself. */
const SERVICE_COMMAND = RUNNING_FROM_SOURCE ? [join(PACKAGE_ROOT, 'bin', 'run-ts.mjs'), STACK_MAIN] : [STACK_MAIN];
/** Cold start is ~3 s (JVM); a large kinesis-mock snapshot to load adds to it. */
const START_TIMEOUT_MS = 120_000;
/** The service gives each emulator 10 s after SIGTERM before SIGKILL; beyond this something is wrong. */
const STOP_TIMEOUT_MS = 30_000;

/** The files of a data dir's service. */
export function stackFiles(dataDir: string) {
  const dir = resolve(dataDir);
  return { dir, info: join(dir, 'stack.json'), lock: join(dir, 'stack.lock'), log: join(dir, 'stack.log') };
}

/** Reads `<dataDir>/stack.json` (written by the service once both emulators answer), if any. */
export async function readStackInfo(dataDir: string): Promise<StackInfo | undefined> {
  try {
    return JSON.parse(await readFile(stackFiles(dataDir).info, 'utf8')) as StackInfo;
  } catch {
    return undefined;
  }
}

/** Written by the service: to a temp file and renamed, so a reader never sees half of it. */
export async function writeStackInfo(info: StackInfo): Promise<void> {
  const path = stackFiles(info.dataDir).info;
  await writeFile(`${path}.tmp`, JSON.stringify(info, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
}

/**
 * The service of `dataDir` if it is running and both endpoints answer, else undefined.
 *
 * @example
 * ```ts
 * const info = await runningStack('.eddy');
 * if (info) console.log(info.endpoints.kinesis);
 * ```
 */
export async function runningStack(dataDir: string): Promise<StackInfo | undefined> {
  const info = await readStackInfo(dataDir);
  if (!info || serviceProcess(info.pid) !== 'ours') return undefined;
  return (await endpointsAnswer(info.endpoints)) ? info : undefined;
}

/**
 * The service of `dataDir` and the state of each of its emulators, or undefined when no service
 * is running. An emulator is 'running' when its endpoint answers an API call (whatever stack.json
 * says), else 'restarting' when the service's supervisor says so, else 'down'.
 *
 * @example
 * ```ts
 * const status = await stackStatus('.eddy');
 * if (status?.emulators.dynamodb.state === 'restarting') console.log(status.emulators.dynamodb.lastExit);
 * ```
 */
export async function stackStatus(dataDir: string): Promise<{ info: StackInfo; emulators: Record<EmulatorName, EmulatorReport> } | undefined> {
  const info = await readStackInfo(dataDir);
  if (!info || serviceProcess(info.pid) !== 'ours') return undefined;
  const answers = await emulatorsAnswer(info.endpoints);
  const report = (name: EmulatorName): EmulatorReport => {
    const said = info.emulators?.[name];
    const state = answers[name] ? 'running' : said?.state === 'restarting' ? 'restarting' : 'down';
    return { ...said, state, endpoint: info.endpoints[name] };
  };
  return { info, emulators: { dynamodb: report('dynamodb'), kinesis: report('kinesis') } };
}

/**
 * Returns the running service of `dataDir`, starting it first when needed: a detached process
 * (its own process group, so a SIGKILL of the caller's group does not reach it) that outlives
 * the caller. A lock file makes concurrent callers (`eddy feed` and `eddy run` at once) share
 * one service rather than race two onto the same files.
 *
 * @example
 * ```ts
 * const { info, started } = await ensureStack('.eddy', { say: console.error });
 * const local = await openLocalJob(job, { endpoints: info.endpoints });
 * ```
 */
export async function ensureStack(dataDir: string, options: { say?: (m: string) => void } = {}): Promise<{ info: StackInfo; started: boolean }> {
  const files = stackFiles(dataDir);
  const running = await runningStack(files.dir);
  if (running) return { info: running, started: false };
  await mkdir(files.dir, { recursive: true });
  const lock = await waitForLock(files.lock, START_TIMEOUT_MS);
  try {
    // Someone may have started it while we waited for the lock.
    const again = await runningStack(files.dir);
    if (again) return { info: again, started: false };
    // Ours but not answering. When its supervisor is restarting an emulator (on the same port: the endpoints stay
    // valid), wait for that, up to START_TIMEOUT_MS. Otherwise a busy machine can make one health check time out, so it
    // gets a few more chances before we stop a possibly healthy stack and start a new one rather than leave a half
    // stack holding the files.
    const stale = await readStackInfo(files.dir);
    if (stale && serviceProcess(stale.pid) === 'ours') {
      const deadline = Date.now() + START_TIMEOUT_MS;
      let said = false;
      for (let attempt = 1; serviceProcess(stale.pid) === 'ours'; attempt++) {
        await sleep(1000);
        const now = (await readStackInfo(files.dir)) ?? stale;
        if (now.pid === stale.pid && (await endpointsAnswer(now.endpoints))) return { info: now, started: false };
        const restarting = EMULATOR_NAMES.filter((name) => now.emulators?.[name]?.state === 'restarting');
        if (restarting.length === 0 ? attempt >= 3 : Date.now() > deadline) break;
        if (restarting.length > 0 && !said) {
          said = true;
          options.say?.(`the local stack (pid ${stale.pid}) is restarting ${restarting.join(' and ')}; waiting for it`);
        }
      }
      options.say?.(`the local stack (pid ${stale.pid}) does not answer; restarting it`);
      await terminate(stale.pid);
    }
    await rm(files.info, { force: true });
    options.say?.(`starting the local stack service for ${files.dir} (log: ${files.log})...`);
    return { info: await spawnService(files), started: true };
  } finally {
    await lock.release();
  }
}

/**
 * Stops the service of `dataDir` (SIGTERM: the emulators flush and exit) and waits until it is
 * gone. Returns the pid it stopped, or undefined when nothing was running.
 *
 * @example
 * ```ts
 * await stopStack('.eddy');
 * ```
 */
export async function stopStack(dataDir: string): Promise<number | undefined> {
  const files = stackFiles(dataDir);
  // A start in progress finishes first (it holds the lock until stack.json is written), so there is something to stop.
  const lock = await waitForLock(files.lock, START_TIMEOUT_MS).catch(() => undefined);
  try {
    const info = await readStackInfo(files.dir);
    if (!info || serviceProcess(info.pid) !== 'ours') {
      await rm(files.info, { force: true }); // stale: its process is gone (or the pid now belongs to someone else)
      return undefined;
    }
    await terminate(info.pid);
    await rm(files.info, { force: true });
    return info.pid;
  } finally {
    await lock?.release();
  }
}

async function spawnService(files: ReturnType<typeof stackFiles>): Promise<StackInfo> {
  // The log file, not a pipe: a pipe would die with this process and take the service with it (EPIPE).
  const log = openSync(files.log, 'a');
  const child = spawn(process.execPath, [...SERVICE_COMMAND, files.dir], { detached: true, stdio: ['ignore', log, log], cwd: files.dir });
  closeSync(log);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ?? `code ${code}`));
  child.once('error', (error) => (exit = error.message));
  child.unref(); // the caller may exit whenever it likes; the service stays
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await sleep(200);
    if (exit) throw new Error(`the local stack service exited (${exit}) while starting:\n${await logTail(files.log)}`);
    const info = await readStackInfo(files.dir);
    if (info && info.pid === child.pid && (await endpointsAnswer(info.endpoints))) return info;
  }
  await terminate(child.pid!);
  throw new Error(`the local stack service did not start within ${START_TIMEOUT_MS / 1000} s:\n${await logTail(files.log)}`);
}

/** SIGTERM, wait; after STOP_TIMEOUT_MS SIGKILL the whole group (emulators included) rather than leak it. */
async function terminate(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (serviceProcess(pid) !== 'dead') {
    if (Date.now() > deadline) {
      signal(-pid, 'SIGKILL');
      throw new Error(`the local stack (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; killed it (kinesis-mock lost what it had not snapshotted)`);
    }
    await sleep(100);
  }
}

/** kill(), where a process that is already gone is not an error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Whether `pid` is a live stack service. Where /proc exists its command line must name
 * STACK_MAIN, so that a recycled pid is never mistaken for ours (and never signalled).
 */
function serviceProcess(pid: number): 'ours' | 'other' | 'dead' {
  if (!pidAlive(pid)) return 'dead';
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(basename(STACK_MAIN)) ? 'ours' : 'other';
  } catch {
    return 'ours'; // no /proc (macOS): trust stack.json
  }
}

/** Both emulators answer a real API call (one attempt each: this is a health check, not a wait). */
export async function endpointsAnswer(endpoints: { dynamodb: string; kinesis: string }): Promise<boolean> {
  const answers = await emulatorsAnswer(endpoints);
  return EMULATOR_NAMES.every((name) => answers[name]);
}

/** Which emulators answer a real API call (one attempt each). */
async function emulatorsAnswer(endpoints: { dynamodb: string; kinesis: string }): Promise<Record<EmulatorName, boolean>> {
  const answers = async (name: EmulatorName) => probeEmulator(name, endpoints[name]).then(() => true, () => false);
  const [dynamodb, kinesis] = await Promise.all([answers('dynamodb'), answers('kinesis')]);
  return { dynamodb, kinesis };
}

async function logTail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').slice(-30).map((l) => `  ${l}`).join('\n');
}
