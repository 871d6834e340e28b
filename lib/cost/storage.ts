/**
 * DynamoDB storage, as byte-time: every version of every item is stored from the moment it is
 * written until it is overwritten or deleted, or — when the run ends with it still there — until
 * DynamoDB would remove it. Storage per hour at a steady rate is then (Little's law) the
 * byte-time of the items written during the run divided by the run's duration: the average
 * bytes a table holds when the job has run that way for long.
 *
 * For items still present at the end of the run:
 * - `log`, `snapshot` and `redo` items are kept by TTL for a retention period (7 days unless
 *   priced otherwise): bytes × retention, from their write;
 * - items with DynamoDB's native TTL attribute (`expiresAt`, epoch seconds): until then, plus
 *   the lag of TTL deletion (DynamoDB: "within about two days"; a pricing option);
 * - anything else (checkpoints, a broadcast table, state without TTL) lives as long as the job:
 *   counted until the end of the run only, a lower bound the report names.
 *
 * The ledger keeps these parts apart so that a saved run can be priced with another retention
 * or lag (price options), without running again.
 */
import { NATIVE_TTL_ATTRIBUTE } from '../state/ttl.ts';
import { itemId, type Item, type ItemKey } from '../state/store.ts';

/** Item kinds that eddy keeps by TTL for a retention period rather than deleting them. */
export const RETAINED_KINDS: readonly string[] = ['log', 'snapshot', 'redo'];

export interface StorageByKind {
  /** Byte-milliseconds of versions overwritten or deleted during the run. */
  endedByteMs: number;
  /** Still present, kept by TTL for the retention period: their bytes (× retention when priced). */
  retainedBytes: number;
  /** Still present with a native TTL: byte-ms from their write to their expiry, and their bytes (× the TTL lag when priced). */
  ttlByteMs: number;
  ttlBytes: number;
  /** Still present, no TTL: byte-ms until the end of the run (a lower bound), and their bytes. */
  openByteMs: number;
  openBytes: number;
}

const emptyKind = (): StorageByKind => ({ endedByteMs: 0, retainedBytes: 0, ttlByteMs: 0, ttlBytes: 0, openByteMs: 0, openBytes: 0 });

/**
 * The byte-time of a table's items, on a clock of its own (the run's simulated time).
 *
 * @example
 * ```ts
 * const ledger = new StorageLedger(() => clock.now, itemKind);
 * ledger.put(item, storedItemSize(item)); // ... later overwritten, deleted, or left
 * ledger.close(); // { state: { endedByteMs, ... }, ... }
 * ```
 */
export class StorageLedger {
  private readonly live = new Map<string, { kind: string; bytes: number; since: number; expiresAtMs?: number }>();
  private readonly byKind: Record<string, StorageByKind> = {};

  constructor(private readonly now: () => number, private readonly kindOf: (key: ItemKey) => string) {}

  /** A new version of `item`, of `bytes`, written now. */
  put(item: Item, bytes: number): void {
    const id = itemId(item);
    this.end(id);
    const expires = item.attrs[NATIVE_TTL_ATTRIBUTE];
    this.live.set(id, { kind: this.kindOf(item), bytes, since: this.now(), expiresAtMs: typeof expires === 'number' ? expires * 1000 : undefined });
  }

  delete(key: ItemKey): void {
    this.end(itemId(key));
  }

  /** What every kind stored, the items still present valued as the module comment says. */
  close(): Record<string, StorageByKind> {
    const result = structuredClone(this.byKind);
    const now = this.now();
    for (const v of this.live.values()) {
      const k = (result[v.kind] ??= emptyKind());
      if (RETAINED_KINDS.includes(v.kind)) k.retainedBytes += v.bytes;
      else if (v.expiresAtMs !== undefined) {
        k.ttlByteMs += v.bytes * Math.max(0, v.expiresAtMs - v.since);
        k.ttlBytes += v.bytes;
      } else {
        k.openByteMs += v.bytes * (now - v.since);
        k.openBytes += v.bytes;
      }
    }
    return result;
  }

  private end(id: string): void {
    const v = this.live.get(id);
    if (!v) return;
    (this.byKind[v.kind] ??= emptyKind()).endedByteMs += v.bytes * (this.now() - v.since);
    this.live.delete(id);
  }
}

/**
 * Average bytes stored at a steady rate: the byte-time of the run per ms of run, with the items
 * left at the end valued by `retentionMs` (retained kinds) and `ttlLagMs` (native TTL).
 *
 * @example
 * ```ts
 * averageStoredBytes({ endedByteMs: 3_600_000 * 10, retainedBytes: 0, ttlByteMs: 0, ttlBytes: 0, openByteMs: 0, openBytes: 0 }, 3_600_000, { retentionMs: 0, ttlLagMs: 0 }); // 10
 * ```
 */
export function averageStoredBytes(s: StorageByKind, runMs: number, o: { retentionMs: number; ttlLagMs: number }): number {
  if (runMs <= 0) return 0;
  return (s.endedByteMs + s.retainedBytes * o.retentionMs + s.ttlByteMs + s.ttlBytes * o.ttlLagMs + s.openByteMs) / runMs;
}
