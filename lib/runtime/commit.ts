/**
 * The one place a batch commits. After a crash at any point, a retry must see state, timers,
 * dead letters and checkpoint exactly as before the batch or exactly as after it:
 *
 * - A batch whose writes fit one transaction (99 items + the checkpoint, < 3.5 MB) commits
 *   them in one TransactWriteItems, fenced on the previous checkpoint version.
 * - A larger batch writes its changes as a redo log *into the fenced checkpoint* (spilling
 *   into part items when longer than one item holds): that single conditional write is the
 *   commit point. Then the changes are applied with BatchWriteItem. Every later batch of the
 *   shard that finds a redo log it has not applied itself re-applies it first — the writes are
 *   final values and deletes, so applying twice is applying once.
 *
 * See docs/design-decisions.md for the cost of each path.
 */
import type { ItemCache } from '../state/item-cache.ts';
import { MAX_ATOMIC_BYTES, MAX_ATOMIC_ITEMS, type Item, type ItemKey, type KeyValueStore } from '../state/store.ts';
import type { FaultInjector } from './chaos.ts';
import { checkpointItem, type Checkpoint } from './checkpoint.ts';
import { deadLetterItem, type DeadLetter } from './dead-letters.ts';

/** Bytes of redo log per item (DynamoDB items hold 400 KB). */
const REDO_PART_BYTES = 300_000;
/** Redo part items are garbage once the next commit replaced the checkpoint; DynamoDB's TTL removes them. */
const REDO_PART_TTL_SECONDS = 86_400;

export interface BatchCommit {
  stage: string;
  shard: string;
  cache: ItemCache;
  deadLetters: DeadLetter[];
  checkpoint: Checkpoint;
  /** Version of the checkpoint the batch started from (undefined: there was none). */
  previousVersion: number | undefined;
  wallClock: number;
  faults?: FaultInjector;
}

interface RedoLog {
  puts: Item[];
  deletes: ItemKey[];
}

/**
 * @example
 * ```ts
 * const { path } = await commitBatch(store, { stage, shard, cache, deadLetters, checkpoint, previousVersion, wallClock: Date.now() });
 * ```
 */
export async function commitBatch(store: KeyValueStore, commit: BatchCommit): Promise<{ itemsWritten: number; path: 'atomic' | 'redo' }> {
  const { puts, deletes } = commit.cache.changes();
  const log: RedoLog = { puts: [...puts, ...commit.deadLetters.map(deadLetterItem)], deletes };
  const checkpoint = checkpointItem(commit.stage, commit.shard, commit.checkpoint);
  const fence = { item: checkpoint, expectedVersion: commit.previousVersion };
  const count = log.puts.length + log.deletes.length;

  if (count + 1 <= MAX_ATOMIC_ITEMS && byteSize(log) + byteSize(checkpoint) < MAX_ATOMIC_BYTES * 0.9) {
    await store.commit({ ...log, checkpoint: fence });
    return { itemsWritten: count + 1, path: 'atomic' };
  }

  const parts = splitLog(log);
  const redoId = `${commit.checkpoint.version}-${Math.random().toString(36).slice(2, 10)}`;
  if (parts.length === 1) {
    checkpoint.attrs.redo = parts[0];
  } else {
    // Parts are written first under an id of this attempt: a crashed attempt's parts are never referenced.
    const expiresAt = Math.ceil(commit.wallClock / 1000) + REDO_PART_TTL_SECONDS;
    await store.writeBatch(parts.map((part, i) => ({ ...redoPartKey(commit.stage, commit.shard, redoId, i), attrs: { part, expiresAt } })), []);
    Object.assign(checkpoint.attrs, { redoId, redoParts: parts.length });
  }
  await store.commit({ puts: [], deletes: [], checkpoint: fence }); // the commit point
  await applyLog(store, log, commit.faults);
  return { itemsWritten: count * 2 + parts.length, path: 'redo' };
}

/** True when a checkpoint item carries a redo log (its batch may not be fully applied). */
export function hasRedoLog(item: Item): boolean {
  return item.attrs.redo !== undefined || item.attrs.redoParts !== undefined;
}

/** Re-applies the redo log of a checkpoint item (idempotent). */
export async function replayRedoLog(store: KeyValueStore, stage: string, shard: string, item: Item, faults?: FaultInjector): Promise<void> {
  let parts: string[];
  if (item.attrs.redo !== undefined) parts = [String(item.attrs.redo)];
  else {
    const keys = Array.from({ length: Number(item.attrs.redoParts) }, (_, i) => redoPartKey(stage, shard, String(item.attrs.redoId), i));
    const found = new Map((await store.batchGet(keys)).map((p) => [p.sk, String(p.attrs.part)]));
    parts = keys.map((k) => {
      const part = found.get(k.sk);
      if (part === undefined) throw new Error(`redo log part ${k.sk} of ${stage}/${shard} is missing`);
      return part;
    });
  }
  const log: RedoLog = { puts: [], deletes: [] };
  for (const part of parts) {
    const chunk = JSON.parse(part) as RedoLog;
    log.puts.push(...chunk.puts);
    log.deletes.push(...chunk.deletes);
  }
  await applyLog(store, log, faults);
}

async function applyLog(store: KeyValueStore, log: RedoLog, faults?: FaultInjector): Promise<void> {
  const step = 100;
  const chunks = Math.max(1, Math.ceil(Math.max(log.puts.length, log.deletes.length) / step));
  for (let i = 0; i < chunks; i++) {
    // Chaos: one chance per commit to die with the log committed but its writes partly applied.
    if (i === Math.min(1, chunks - 1)) faults?.('mid-commit');
    await store.writeBatch(log.puts.slice(i * step, (i + 1) * step), log.deletes.slice(i * step, (i + 1) * step));
  }
}

function redoPartKey(stage: string, shard: string, redoId: string, index: number): ItemKey {
  return { table: 'state', pk: `r#${stage}#${shard}`, sk: `${redoId}#${String(index).padStart(5, '0')}` };
}

/** Splits the log into JSON parts of at most REDO_PART_BYTES each (one oversized write gets a part of its own). */
function splitLog(log: RedoLog): string[] {
  const parts: string[] = [];
  let current: RedoLog = { puts: [], deletes: [] };
  let bytes = 0;
  const flush = () => {
    if (current.puts.length + current.deletes.length > 0) parts.push(JSON.stringify(current));
    current = { puts: [], deletes: [] };
    bytes = 0;
  };
  const add = (kind: 'puts' | 'deletes', write: Item | ItemKey) => {
    const size = byteSize(write);
    if (bytes + size > REDO_PART_BYTES) flush();
    (current[kind] as (Item | ItemKey)[]).push(write);
    bytes += size;
  };
  for (const put of log.puts) add('puts', put);
  for (const del of log.deletes) add('deletes', del);
  flush();
  return parts.length > 0 ? parts : [JSON.stringify(current)];
}

function byteSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
