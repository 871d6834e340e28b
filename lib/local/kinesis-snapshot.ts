/**
 * Stopping the persistent stack without losing kinesis-mock's snapshot.
 *
 * kinesis-mock rewrites `<dataDir>/kinesis/kinesis-data.json` (truncate, then write) every
 * PERSIST_INTERVAL (1 s, see emulators.ts) and once more on SIGTERM. Found by the restart tests
 * (about 1 stop in 8 with a ~2 MB snapshot on a busy machine): when SIGTERM arrives while a
 * periodic write is in flight, shutdown destroys that write stream, the pending write fails
 * with an unhandled `ERR_STREAM_DESTROYED`, kinesis-mock crashes before its final snapshot, and
 * the file is left truncated — often empty — so the next start dies with
 * `java.util.NoSuchElementException` and every stream is lost.
 *
 * So the stop (1) waits for the quiet moment just after a periodic write that finished after the
 * stop was asked for, when the next write is most of an interval away, (2) keeps that complete
 * snapshot in memory, (3) stops, and (4) if the file is not valid JSON afterwards, puts the kept
 * snapshot back. The kept copy holds every record put before the stop was asked for (a stack is
 * normally stopped when no job writes to it, and then it is exactly the final state). It costs
 * `eddy stack stop` up to a second.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where emulators.ts makes kinesis-mock persist (PERSIST_PATH=<dataDir>/kinesis, default file name). */
export function kinesisSnapshotPath(dataDir: string): string {
  return join(dataDir, 'kinesis', 'kinesis-data.json');
}

/** A write that finished this long ago is over (chunks of one write follow each other closely)... */
const SETTLED_MS = 60;
/** ...and the next one (1 s after) is still far enough away for a ~50-100 ms shutdown. */
const LATEST_MS = 450;
const WAIT_FOR_QUIET_MS = 3_000;

/**
 * Runs `stop` (which SIGTERMs kinesis-mock and waits for it) so that the snapshot survives.
 *
 * @example
 * ```ts
 * await stopKeepingSnapshot('.eddy', () => stack.stop(), console.log);
 * ```
 */
export async function stopKeepingSnapshot(dataDir: string, stop: () => Promise<void>, log: (line: string) => void): Promise<void> {
  const path = kinesisSnapshotPath(dataDir);
  const kept = await quietSnapshot(path);
  await stop();
  if (!kept || (await isCompleteJson(path))) return;
  if (!isCompleteJsonText(kept.text)) {
    log(`! ${path} is not valid JSON after the stop and no complete earlier snapshot was found: the local Kinesis data is lost (delete the file to start again)`);
    return;
  }
  await writeFile(`${path}.tmp`, kept.text);
  await rename(`${path}.tmp`, path);
  log(`! kinesis-mock crashed while stopping and left ${path} truncated; restored its last periodic snapshot (written ${new Date(kept.mtimeMs).toISOString()})`);
}

/** Waits (a few seconds at most) until a periodic write has just finished; returns that snapshot. */
async function quietSnapshot(path: string): Promise<{ text: string; mtimeMs: number } | undefined> {
  const requested = Date.now();
  const deadline = requested + WAIT_FOR_QUIET_MS;
  let latest: { text: string; mtimeMs: number } | undefined;
  while (Date.now() < deadline) {
    const before = await stat(path).catch(() => undefined);
    if (!before) return undefined; // nothing persisted yet
    const age = Date.now() - before.mtimeMs;
    // Written after the stop was asked for, so the kept copy has every record put before it (up to one write's duration).
    if (age >= SETTLED_MS && age <= LATEST_MS && before.mtimeMs > requested) {
      const text = await readFile(path, 'utf8');
      const after = await stat(path);
      // Unchanged while we read it: a whole snapshot (validated later, when time no longer matters).
      if (after.mtimeMs === before.mtimeMs && after.size === Buffer.byteLength(text)) return { text, mtimeMs: after.mtimeMs };
    } else if (age > LATEST_MS && (latest?.mtimeMs ?? 0) < before.mtimeMs) {
      // Not being written either: a fallback should the quiet window never be caught (a starved CPU).
      const text = await readFile(path, 'utf8');
      if ((await stat(path)).mtimeMs === before.mtimeMs) latest = { text, mtimeMs: before.mtimeMs };
    }
    await sleep(15);
  }
  return latest;
}

async function isCompleteJson(path: string): Promise<boolean> {
  return isCompleteJsonText(await readFile(path, 'utf8').catch(() => ''));
}

function isCompleteJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
