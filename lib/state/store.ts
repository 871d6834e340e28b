/**
 * The contract between eddy's core and the database. The core (state cache, timers,
 * checkpoints, commit) builds every key and decides every write; a store only moves items
 * (Powertools' BasePersistenceLayer / DynamoDBPersistenceLayer split). Two stores exist:
 * DynamoDB (`lib/aws/dynamodb-store.ts`, production and local runs) and memory (unit tests
 * and engine benchmarks).
 */

/** The two tables of a job: keyed state, timers and checkpoints; and dead letters. */
export type TableRole = 'state' | 'dead-letter';

export interface ItemKey {
  table: TableRole;
  pk: string;
  sk: string;
}

/** Attribute values are strings or numbers (structured values are JSON strings), or bytes (packed logs and snapshots: lib/state/packing.ts). */
export type Attributes = Record<string, string | number | Uint8Array>;

export interface Item extends ItemKey {
  attrs: Attributes;
}

/** An inclusive sort-key range, read in ascending order. */
export interface SortKeyRange {
  from?: string;
  to?: string;
  limit?: number;
}

/**
 * An atomic, fenced write: all of it or none. The checkpoint write is conditional: it
 * succeeds only when the stored checkpoint still has `expectedVersion` (absent = must not
 * exist), which fences out a concurrent or zombie invocation of the same shard. A store takes
 * at most {@link MAX_ATOMIC_ITEMS} items (checkpoint included) and {@link MAX_ATOMIC_BYTES}.
 * A request with no puts and no deletes is a single conditional write of the checkpoint
 * (DynamoDB: a conditional PutItem, billed once per KB instead of the transaction's twice).
 */
export interface CommitRequest {
  puts: Item[];
  deletes: ItemKey[];
  checkpoint: { item: Item; expectedVersion: number | undefined };
}

/** The checkpoint moved on under us: another invocation committed this shard. */
export class CommitConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommitConflictError';
  }
}

/** Request and capacity counters, for metrics and benchmarks. */
export interface StoreStats {
  requests: number;
  readUnits: number;
  writeUnits: number;
  itemsRead: number;
  itemsWritten: number;
}

export interface KeyValueStore {
  /** Reads many items in as few round trips as the database allows; absent items are omitted. */
  batchGet(keys: ItemKey[]): Promise<Item[]>;
  /** Items of one partition whose sort key lies in the range, ascending. */
  query(table: TableRole, pk: string, range?: SortKeyRange): Promise<Item[]>;
  /**
   * Every item of the table whose partition key starts with `pkPrefix` (and sort key with
   * `skPrefix`): a full scan, for rare whole-operator work (`applyToKeyedState`), never per record.
   */
  scan(table: TableRole, filter: { pkPrefix: string; skPrefix?: string }): Promise<Item[]>;
  /** Writes items and the checkpoint atomically, fenced (see {@link CommitRequest}). */
  commit(request: CommitRequest): Promise<void>;
  /** Writes items, not atomically; every write is idempotent (a put of a final value, a delete). */
  writeBatch(puts: Item[], deletes: ItemKey[]): Promise<void>;
  stats(): StoreStats;
}

/**
 * What a batch reads keyed state and timers through: the store itself (per-key items in
 * DynamoDB), or the shard's state held in the container (log-structured backend,
 * lib/state/log/shard-state.ts).
 */
export type StateReader = Pick<KeyValueStore, 'batchGet' | 'query' | 'scan'>;

/** DynamoDB's TransactWriteItems limits: 100 items, 4 MB in all. */
export const MAX_ATOMIC_ITEMS = 100;
export const MAX_ATOMIC_BYTES = 4_000_000;

export function itemId(key: ItemKey): string {
  return `${key.table}\u0001${key.pk}\u0001${key.sk}`;
}

export function emptyStats(): StoreStats {
  return { requests: 0, readUnits: 0, writeUnits: 0, itemsRead: 0, itemsWritten: 0 };
}
