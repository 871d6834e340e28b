/**
 * How a batch commits on the log-structured backend (lib/state/log/). The batch's state and
 * timer changes are *not* written to per-key items: they are appended, packed, as one entry of
 * the shard's changelog, and the fenced checkpoint names the new head of the log — the single
 * commit point, a conditional PutItem (a transaction only when the batch dead-lettered records,
 * which are written with it). Now and then the batch also **materializes**: it writes the
 * shard's whole live state as a snapshot (parts by key group) and the checkpoint then names
 * that snapshot and an empty log after it. Expired keyed state is left out of the snapshot,
 * so it is never written again.
 *
 * Everything is written before the commit point under ids unique to the attempt: a crash or a
 * fenced-out zombie leaves log entries and snapshot parts that no checkpoint names, and
 * DynamoDB's TTL removes them (as it removes superseded ones) without a write unit.
 *
 * Costs, in DynamoDB write units: ⌈entry / 1 KB⌉ + ⌈checkpoint / 1 KB⌉ per batch that changed
 * state, the checkpoint alone otherwise, plus ⌈snapshot / 1 KB⌉ per materialization, which
 * happens when the log since the last snapshot outgrows {@link MaterializePolicy}; such a batch
 * writes no log entry (the snapshot holds its changes). The
 * defaults weigh the two: snapshots cost writes, the log costs storage and restore reads (a
 * fifth of the price per byte); a ratio of 4 keeps snapshot writes at about a quarter of the
 * log's; a day's age and a week's retention leave six days in which a job may be stopped
 * without losing state (docs/design-decisions.md, "Log-structured state").
 */
import { DEFAULT_CHANGELOG_OPTIONS, type ChangelogOptions } from '../plan/graph.ts';
import { encodeChanges, heldTimers, writeEntry, type Changes } from '../state/log/changelog.ts';
import { isSelfContained, ownSegment, type StateLineage } from '../state/log/lineage.ts';
import type { ShardState } from '../state/log/shard-state.ts';
import type { ShardLayout } from '../state/log/layout.ts';
import { writeSnapshot } from '../state/log/snapshot.ts';
import { MAX_ATOMIC_ITEMS, type Item, type ItemKey, type KeyValueStore } from '../state/store.ts';
import type { FaultInjector } from './chaos.ts';
import { checkpointItem, type Checkpoint } from './checkpoint.ts';

/** When a shard writes a snapshot instead of letting its log grow (JobOptions.changelog). */
export type MaterializePolicy = ChangelogOptions;

export interface LogCommit {
  layout: ShardLayout;
  /** The container's copy of the shard's state, at the batch's starting version; changed in place (on a failure the caller must drop it). */
  state: ShardState;
  changes: Changes;
  deadLetters: Item[];
  /** The checkpoint the batch ends with (its version is the new one). */
  checkpoint: Checkpoint;
  previousVersion: number | undefined;
  wallClock: number;
  /** Processing time at the end of the batch: keyed state that expired by then is dropped at materialization. */
  now: number;
  policy?: MaterializePolicy;
  faults?: FaultInjector;
}

/**
 * @example
 * ```ts
 * const { materialized } = await commitToLog(store, { layout, state, changes: cache.changes(), deadLetters, checkpoint, previousVersion, wallClock: Date.now(), now });
 * ```
 */
export async function commitToLog(store: KeyValueStore, c: LogCommit): Promise<{ materialized: boolean; entryBytes: number }> {
  const { layout, state, checkpoint } = c;
  const policy = c.policy ?? DEFAULT_CHANGELOG_OPTIONS;
  const expiresAt = Math.ceil((c.wallClock + policy.retentionMs) / 1000);
  const lineage: StateLineage = checkpoint.state ? structuredClone(checkpoint.state) : { snapshots: [], logs: [], logBytes: 0, snapshotBytes: 0, since: c.wallClock };
  let own = ownSegment(lineage, layout.shard);
  if (!own) lineage.logs.push((own = { shard: layout.shard, after: c.previousVersion ?? 0 }));

  // The items deleted, as the state holds them (a timer's entry spells it by its fields); deletes of absent items change nothing.
  const deleted = c.changes.deletes.flatMap((key) => state.get(key) ?? []);
  const changes = { puts: c.changes.puts, deletes: deleted.map(({ table, pk, sk }) => ({ table, pk, sk })) };
  const packed = changes.puts.length + deleted.length > 0 ? encodeChanges(layout, changes.puts, deleted, (key) => state.get(key), heldTimers(state, layout)) : undefined;
  const materialize = dueForSnapshot(lineage, layout.shard, packed?.length ?? 0, c.wallClock, policy);
  state.apply(changes.puts, changes.deletes);
  if (materialize) {
    // The snapshot holds this batch's changes: no log entry. A copy older than the snapshot restores from it
    // (lib/state/log/restore.ts), so nobody would read the entry. Expired keyed state is left out of it.
    state.apply([], expiredState(state, c.now));
    c.faults?.('mid-commit');
    const { ref, bytes } = await writeSnapshot(store, layout, `${checkpoint.version}-${attemptId()}`, state.items(), expiresAt);
    checkpoint.state = { snapshots: [ref], logs: [{ shard: layout.shard, after: checkpoint.version }], logBytes: 0, snapshotBytes: bytes, since: c.wallClock };
  } else {
    if (packed) {
      own.head = await writeEntry(store, { stage: layout.stage, shard: layout.shard, version: checkpoint.version, attempt: attemptId(), prev: own.head, packed, expiresAt });
      lineage.logBytes += packed.length;
    }
    c.faults?.('mid-commit');
    checkpoint.state = lineage;
  }
  // The commit point: dead letters (rare) ride in the same transaction, so they exist exactly when the batch's effects do.
  const deadLetters = c.deadLetters.length < MAX_ATOMIC_ITEMS ? c.deadLetters : [];
  if (deadLetters.length === 0 && c.deadLetters.length > 0) await store.writeBatch(c.deadLetters, []); // too many for one transaction: idempotent puts first
  await store.commit({ puts: deadLetters, deletes: [], checkpoint: { item: checkpointItem(layout.stage, layout.shard, checkpoint), expectedVersion: c.previousVersion } });
  state.version = checkpoint.version;
  return { materialized: materialize, entryBytes: materialize ? 0 : (packed?.length ?? 0) };
}

function dueForSnapshot(lineage: StateLineage, shard: string, entryBytes: number, wallClock: number, policy: MaterializePolicy): boolean {
  // A shard born of a split or merge reads its parents' items until it has a snapshot of its own.
  if (!isSelfContained(lineage, shard)) return true;
  if (lineage.logBytes + entryBytes >= Math.max(policy.minLogBytes, policy.logToSnapshotRatio * lineage.snapshotBytes)) return true;
  return lineage.logBytes + lineage.snapshotBytes + entryBytes > 0 && wallClock - lineage.since >= policy.maxAgeMs;
}

/** Keyed state whose TTL expired by `now` (Flink's cleanup during a full snapshot). */
function expiredState(state: ShardState, now: number): ItemKey[] {
  const expired: ItemKey[] = [];
  for (const item of state.items()) {
    const exp = item.attrs.exp;
    if (exp !== undefined && Number(exp) <= now && item.pk.startsWith('s#')) expired.push({ table: item.table, pk: item.pk, sk: item.sk });
  }
  return expired;
}

function attemptId(): string {
  return Math.random().toString(36).slice(2, 10).padEnd(8, '0');
}

