/**
 * The one place a batch commits. After a crash at any point, a retry must see state, timers,
 * dead letters and checkpoint exactly as before the batch or exactly as after it. Every path
 * has exactly one commit point, a single write conditional on the previous checkpoint
 * version (which fences out a concurrent or zombie invocation):
 *
 * - `atomic`: the changes and the checkpoint in one TransactWriteItems (at most 99 changes and
 *   the checkpoint, < 3.6 MB); a batch with no changes writes the checkpoint alone.
 * - `redo`: the changes (final values and deletes) are written down as a redo log, the fenced
 *   checkpoint is put carrying the log or a reference to it — the commit point — and then the
 *   changes are applied with BatchWriteItem. The log (JSON, deflated, in base64) sits
 *   *inline* in the checkpoint, or, in *parts*: items of their own written before the commit point under an id unique to the
 *   attempt (a crashed attempt's parts are never referenced) and expired by native TTL; a
 *   reference to parts is cleared by a second fenced put of the checkpoint once the log is
 *   applied. Every later batch of the shard that finds a log it has not applied itself
 *   re-applies it first: the writes are final values and deletes, so applying twice is
 *   applying once.
 *
 * Each batch takes the path that costs the fewest DynamoDB write units ({@link commitCosts});
 * on a tie the one with fewer round trips (atomic, then inline, then parts). See
 * docs/design-decisions.md ("Commit") for the arithmetic.
 */
import type { ItemCache } from '../state/item-cache.ts';
import { chunk as chunkPacked, joinParts, pack, packedAttribute, unpack, type Packed } from '../state/packing.ts';
import { CommitConflictError, MAX_ATOMIC_BYTES, MAX_ATOMIC_ITEMS, type Item, type ItemKey, type KeyValueStore } from '../state/store.ts';
import { storedItemSize, writeUnits } from '../cost/units.ts';
import type { FaultInjector } from './chaos.ts';
import { checkpointItem, readCheckpointItem, type Checkpoint } from './checkpoint.ts';
import { deadLetterItem, type DeadLetter } from './dead-letters.ts';

/** Bytes of redo log per item (DynamoDB items hold 400 KB): an inline log, or one part. */
const REDO_PART_BYTES = 300_000;
/** A checkpoint with its inline log must stay under DynamoDB's 400 KB per item (with a margin). */
const MAX_ITEM_BYTES = 390_000;
/**
 * Redo parts are garbage once the log is applied (the reference is cleared, or the next commit
 * replaced the checkpoint); DynamoDB's TTL removes them, free of write units. They are read
 * only when the applier died before clearing the reference, by the retry Lambda starts at
 * once: seven days leave room for an outage in between.
 */
const REDO_PART_TTL_SECONDS = 7 * 86_400;

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

export interface RedoLog {
  puts: Item[];
  deletes: ItemKey[];
}

export type CommitPath = 'atomic' | 'inline' | 'parts';

/**
 * Write units of each way to commit a batch (undefined: the way is not possible), by
 * DynamoDB's billing rules (lib/cost/units.ts), with sizes of the new items (an overwrite is
 * billed by the larger of old and new, and a delete by the old item, which weighs the same in
 * every path: the transaction pays it twice, the others once). With W the units of the
 * changes (⌈size / 1 KB⌉ each, a delete 1) and C those of the checkpoint:
 *
 * - atomic: 2 × (W + C), everything inside TransactWriteItems;
 * - inline: I + W + 2 × (I − C), I = the units of the checkpoint carrying the log: the
 *   conditional put, the applied changes, and the next commit's checkpoint write, billed by
 *   this larger item (at most twice, in a transaction);
 * - parts: P + C' + W + C', P = the units of the part items, C' = the checkpoint carrying the
 *   reference: parts, conditional put, applied changes, and the put that clears the reference.
 */
export function commitCosts(changes: RedoLog | EncodedLog, checkpoint: Item): Record<CommitPath, number | undefined> {
  const log = 'packed' in changes ? changes : encodeLog(changes);
  const checkpointBytes = storedItemSize(checkpoint);
  const c = writeUnits(checkpointBytes);
  const count = log.puts.length + log.deletes.length;
  if (count === 0) return { atomic: c, inline: undefined, parts: undefined };
  let w = log.deletes.length;
  for (const put of log.puts) w += writeUnits(storedItemSize(put));
  const fits = count + 1 <= MAX_ATOMIC_ITEMS && log.bytes + checkpointBytes < MAX_ATOMIC_BYTES * 0.9;
  const inlineBytes = checkpointBytes + 'redo'.length + log.bytes;
  const inline = log.bytes <= REDO_PART_BYTES && inlineBytes <= MAX_ITEM_BYTES ? writeUnits(inlineBytes) : undefined;
  const withReference = writeUnits(checkpointBytes + REFERENCE_BYTES);
  const parts = chunk(log.packed).reduce((sum, part) => sum + writeUnits(part.length + PART_ITEM_OVERHEAD), 0);
  return {
    atomic: fits ? 2 * (w + c) : undefined,
    inline: inline === undefined ? undefined : inline + w + 2 * (inline - c),
    parts: parts + withReference + w + withReference,
  };
}

/** The cheapest possible path; ties go to fewer round trips. */
export function choosePath(costs: Record<CommitPath, number | undefined>): CommitPath {
  let best: CommitPath | undefined;
  for (const path of ['atomic', 'inline', 'parts'] as const) {
    const cost = costs[path];
    if (cost !== undefined && (best === undefined || cost < costs[best]!)) best = path;
  }
  return best!;
}

/**
 * @example
 * ```ts
 * const { path } = await commitBatch(store, { stage, shard, cache, deadLetters, checkpoint, previousVersion, wallClock: Date.now() });
 * ```
 */
export async function commitBatch(store: KeyValueStore, commit: BatchCommit): Promise<{ itemsWritten: number; path: 'atomic' | 'redo'; way: CommitPath }> {
  const { puts, deletes } = commit.cache.changes();
  const log = encodeLog({ puts: [...puts, ...commit.deadLetters.map(deadLetterItem)], deletes });
  const checkpoint = checkpointItem(commit.stage, commit.shard, commit.checkpoint);
  const fence = { item: checkpoint, expectedVersion: commit.previousVersion };
  const count = log.puts.length + log.deletes.length;
  const way = choosePath(commitCosts(log, checkpoint));

  if (way === 'atomic') {
    await store.commit({ puts: log.puts, deletes: log.deletes, checkpoint: fence });
    return { itemsWritten: count + 1, path: 'atomic', way };
  }
  if (way === 'inline') {
    checkpoint.attrs.redo = log.packed;
    await store.commit({ puts: [], deletes: [], checkpoint: fence }); // the commit point
    await applyLog(store, log, commit.faults);
    return { itemsWritten: count + 1, path: 'redo', way };
  }
  const parts = chunk(log.packed);
  const redoId = `${commit.checkpoint.version}-${Math.random().toString(36).slice(2, 10)}`;
  // Parts are written first under an id of this attempt: a crashed attempt's parts are never referenced.
  const expiresAt = Math.ceil(commit.wallClock / 1000) + REDO_PART_TTL_SECONDS;
  await store.writeBatch(parts.map((part, i) => ({ ...redoPartKey(commit.stage, commit.shard, redoId, i), attrs: { part, expiresAt } })), []);
  Object.assign(checkpoint.attrs, { redoId, redoParts: parts.length });
  await store.commit({ puts: [], deletes: [], checkpoint: fence }); // the commit point
  await applyLog(store, log, commit.faults);
  await clearRedoLog(store, checkpoint);
  return { itemsWritten: count * 2 + parts.length + 1, path: 'redo', way };
}

/** True when a checkpoint item carries a redo log (its batch may not be fully applied). */
export function hasRedoLog(item: Item): boolean {
  return item.attrs.redo !== undefined || item.attrs.redoParts !== undefined;
}

/** Re-applies the redo log of a checkpoint item (idempotent). */
export async function replayRedoLog(store: KeyValueStore, stage: string, shard: string, item: Item, faults?: FaultInjector): Promise<void> {
  let parts: (Packed | string)[];
  if (item.attrs.redo !== undefined) parts = [packedAttribute(item.attrs.redo, `the redo log of ${stage}/${shard}`)];
  else {
    const keys = Array.from({ length: Number(item.attrs.redoParts) }, (_, i) => redoPartKey(stage, shard, String(item.attrs.redoId), i));
    const found = new Map((await store.batchGet(keys)).map((p) => [p.sk, packedAttribute(p.attrs.part, `redo log part ${p.sk} of ${stage}/${shard}`)]));
    parts = keys.map((k) => {
      const part = found.get(k.sk);
      if (part === undefined) throw new Error(`redo log part ${k.sk} of ${stage}/${shard} is missing`);
      return part;
    });
  }
  await applyLog(store, decodeLog(parts), faults);
  if (item.attrs.redoParts !== undefined) await clearRedoLog(store, item);
}

/**
 * For a change made from outside the stage (`eddy dlq redrive` deleting dead letters): applies
 * the shard's pending redo log, if any, and takes it out of the checkpoint, so that no container
 * replays it later and puts back what the outside change removed (a log's dead letters, its
 * state). Fenced like the stage's own commits: if a batch commits meanwhile, its log is its own.
 *
 * @example
 * ```ts
 * await settleRedoLog(store, 'source-orders', 'shardId-000000000000');
 * ```
 */
export async function settleRedoLog(store: KeyValueStore, stage: string, shard: string): Promise<void> {
  const item = await readCheckpointItem(store, stage, shard);
  if (!item || !hasRedoLog(item)) return;
  await replayRedoLog(store, stage, shard, item);
  if (item.attrs.redo !== undefined) await clearRedoLog(store, item);
}

/**
 * After a log is applied: puts the checkpoint again without it (or without its reference to
 * parts), fenced on its own version, so that no later batch reads or replays it.
 */
async function clearRedoLog(store: KeyValueStore, checkpoint: Item): Promise<void> {
  const { redo: _log, redoId: _id, redoParts: _parts, ...attrs } = checkpoint.attrs;
  try {
    await store.commit({ puts: [], deletes: [], checkpoint: { item: { ...checkpoint, attrs }, expectedVersion: Number(checkpoint.attrs.version) } });
  } catch (error) {
    // Another invocation committed after this one (re-applying the log first): nothing left to clear.
    if (!(error instanceof CommitConflictError)) throw error;
  }
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

/** Billed bytes of a part item besides its log: `part`, `expiresAt` (a 10-digit number), pk `r#<stage>#<shard>` and sk `<version>-<id>#<index>` (a generous bound). */
const PART_ITEM_OVERHEAD = 'part'.length + 'expiresAt'.length + 6 + 'pk'.length + 'sk'.length + 2 * 140;
/** Billed bytes the reference to parts adds to the checkpoint: `redoId` (≤ 30 characters) and `redoParts`. */
const REFERENCE_BYTES = 'redoId'.length + 30 + 'redoParts'.length + 4;

/** A redo log and its stored form (lib/state/packing.ts). */
interface EncodedLog extends RedoLog {
  packed: Packed;
  /** Bytes of the packed log. */
  bytes: number;
}

/**
 * Packs the log (lib/state/packing.ts): its JSON repeats every item's keys and attribute
 * names, and the log is paid per KB (a part item, or the checkpoint carrying it). A batch's
 * log is packed whichever way it commits, to know its size.
 */
function encodeLog(log: RedoLog): EncodedLog {
  const packed = pack(log);
  return { ...log, packed, bytes: packed.length };
}

/** The log from its stored form: the parts of one packed log joined, or plain JSON parts (the first format) each a log of its own. */
function decodeLog(parts: (Packed | string)[]): RedoLog {
  if (typeof parts[0] !== 'string' || !parts[0].startsWith('{')) return unpack<RedoLog>(joinParts(parts));
  const log: RedoLog = { puts: [], deletes: [] };
  for (const part of parts) {
    const plain = unpack<RedoLog>(part);
    log.puts.push(...plain.puts);
    log.deletes.push(...plain.deletes);
  }
  return log;
}

/** The packed log cut into parts of at most REDO_PART_BYTES. */
function chunk(packed: Packed): Packed[] {
  return chunkPacked(packed, REDO_PART_BYTES);
}
