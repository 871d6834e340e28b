/**
 * A lock file holding the pid of its owner, for coordinating eddy processes on one machine
 * (starting the stack service of a data dir; one `eddy run` writing an `--out` dir). A lock
 * whose owner is dead is stale and taken over, so a SIGKILLed owner never blocks anyone.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * True when a process with this pid exists (EPERM: it exists but belongs to someone else) and
 * is not a zombie: a SIGKILLed process stays a zombie until its parent reaps it — forever where
 * nothing reaps orphans — and must not keep holding a lock.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
}

/**
 * Takes the lock at `path`, or returns the pid of the live process holding it.
 *
 * @example
 * ```ts
 * const lock = await tryLock('out/.lock');
 * if (typeof lock === 'number') throw new Error(`out/ is in use by pid ${lock}`);
 * try { ... } finally { await lock.release(); }
 * ```
 */
export async function tryLock(path: string): Promise<{ release(): Promise<void> } | number> {
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx' = O_CREAT|O_EXCL: exactly one process can create the file.
      const file = await open(path, 'wx');
      await file.writeFile(String(process.pid));
      await file.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    // An empty file is a lock being written right now (open and write are two steps); give its owner a moment.
    if (owner === 0 && attempt < 20) {
      await sleep(50);
      continue;
    }
    if (owner !== 0 && pidAlive(owner) && owner !== process.pid) return owner;
    // Stale (owner gone): remove and race for it again; O_EXCL still lets only one process win.
    await rm(path, { force: true });
    if (attempt > 50) throw new Error(`cannot take the lock ${path}`);
  }
}

/**
 * Takes the lock at `path`, waiting while another live process holds it.
 *
 * @example
 * ```ts
 * const lock = await waitForLock('.eddy/stack.lock', 120_000);
 * ```
 */
export async function waitForLock(path: string, timeoutMs: number): Promise<{ release(): Promise<void> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lock = await tryLock(path);
    if (typeof lock !== 'number') return lock;
    if (Date.now() > deadline) throw new Error(`${path} is held by pid ${lock} for more than ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}
