/**
 * Where a shard's log-structured state is stored, as its checkpoint records it: the snapshots to
 * load and the log segments to apply after them. Normally one snapshot of the shard itself and
 * its own log since; after a split or merge, a child starts from its parents' snapshots and
 * logs, each narrowed to the child's hash range, until its first materialization makes it
 * self-contained.
 *
 * Stored items (state table):
 * - log entries: pk `l#<stage>#<shard>`, sk `<version>#<attempt>#<part>`: one batch's changes,
 *   packed, with `prev`, the id of the shard's previous entry (a chain: entries written by an
 *   attempt that never committed are never on it);
 * - snapshot parts: pk `m#<stage>#<shard>`, sk `<snapshot id>#<part>`: the shard's live items
 *   at one version, packed, each part a run of contiguous key groups (`g`: its first).
 * Both carry the native TTL attribute: nothing deletes them, DynamoDB does, for free.
 */
import { hashKeyHex, hashKeyOf } from '../../plan/partitioning.ts';
import type { Item } from '../store.ts';

/** An inclusive range of hash keys, as fixed-width hex (string order = numeric order). */
export type HexRange = [string, string];

export interface SnapshotRef {
  /** The shard that wrote it: this shard, or an ancestor after resharding. */
  shard: string;
  id: string;
  /** First key group of each part, ascending: part i holds groups [groups[i], groups[i + 1]). */
  groups: number[];
  /** Only items whose hash lies in the range belong here (inherited); absent: all of them. */
  range?: HexRange;
}

export interface LogSegment {
  shard: string;
  /** The segment holds the entries of versions above this one. */
  after: number;
  /** The shard's latest entry (`<version>#<attempt>`), the start of the chain; absent: none yet. */
  head?: string;
  range?: HexRange;
}

export interface StateLineage {
  snapshots: SnapshotRef[];
  /** Applied in order after the snapshots; this shard's own segment, when it has one, last. */
  logs: LogSegment[];
  /** Packed bytes of log written since the last snapshot, and of that snapshot. */
  logBytes: number;
  snapshotBytes: number;
  /** Wall-clock time the oldest item still referenced was written (TTL must not reach it). */
  since: number;
}

const VERSION_WIDTH = 12;

export const logPartition = (stage: string, shard: string) => `l#${stage}#${shard}`;
export const snapshotPartition = (stage: string, shard: string) => `m#${stage}#${shard}`;
export const versionPart = (version: number) => String(version).padStart(VERSION_WIDTH, '0');
export const entryId = (version: number, attempt: string) => `${versionPart(version)}#${attempt}`;
/** @example `versionOfEntry('000000000007#k2x9q') // 7` */
export const versionOfEntry = (id: string) => Number(id.slice(0, VERSION_WIDTH));

/** This shard's own log segment, if it has one. */
export function ownSegment(lineage: StateLineage | undefined, shard: string): LogSegment | undefined {
  const last = lineage?.logs[lineage.logs.length - 1];
  return last && last.shard === shard && !last.range ? last : undefined;
}

/** True when the lineage reads only this shard's own items (nothing inherited from ancestors). */
export function isSelfContained(lineage: StateLineage, shard: string): boolean {
  return lineage.snapshots.every((s) => s.shard === shard && !s.range) && lineage.logs.every((l) => l.shard === shard && !l.range);
}

/**
 * The lineage of a child shard: its parents' snapshots and logs, narrowed to its range
 * (a parent's own items cover the parent's range). Undefined when no parent has state.
 *
 * @example
 * ```ts
 * const lineage = inheritLineage(['00…', '7f…'], [{ range: ['00…', 'ff…'], lineage: parentCp.state }]);
 * ```
 */
export function inheritLineage(child: HexRange, parents: { range: HexRange; lineage?: StateLineage }[]): StateLineage | undefined {
  const inherited: StateLineage = { snapshots: [], logs: [], logBytes: 0, snapshotBytes: 0, since: Infinity };
  for (const { range, lineage } of parents) {
    if (!lineage) continue;
    // A parent's own snapshot and log cover the parent's range; inherited ones are narrowed already.
    const narrow = <T extends { range?: HexRange }>(ref: T): T[] => {
      const r = intersect(ref.range ?? range, child);
      return r ? [{ ...ref, range: r }] : [];
    };
    inherited.snapshots.push(...lineage.snapshots.flatMap(narrow));
    inherited.logs.push(...lineage.logs.flatMap(narrow));
    inherited.logBytes += lineage.logBytes;
    inherited.snapshotBytes += lineage.snapshotBytes;
    inherited.since = Math.min(inherited.since, lineage.since);
  }
  return inherited.snapshots.length + inherited.logs.length > 0 ? inherited : undefined;
}

function intersect(a: HexRange, b: HexRange): HexRange | undefined {
  const r: HexRange = [a[0] > b[0] ? a[0] : b[0], a[1] < b[1] ? a[1] : b[1]];
  return r[0] <= r[1] ? r : undefined;
}

/** The prefix of a stage's state partitions (`s#<operator uid>#`); the key follows it. */
export type StatePrefix = string;

/**
 * The hash key an item is placed by, in hex: a timer's it carries, keyed state's its key's.
 * `broadcast`: the item is a shard's broadcast state (`#b@<shard>`), which is placed by shard,
 * not by hash.
 */
export function itemHash(item: Item, statePrefix: StatePrefix): { hex: string; broadcast: boolean } {
  if (item.pk.startsWith('t#')) return { hex: String(item.attrs.hk), broadcast: false };
  if (!item.pk.startsWith(statePrefix)) throw new Error(`item ${item.pk}/${item.sk} is not state of this stage (${statePrefix}…)`);
  const key = item.pk.slice(statePrefix.length);
  return { hex: hashKeyHex(hashKeyOf(key)), broadcast: key.startsWith('#b@') };
}

/**
 * Whether an item belongs to a hash range. A shard's broadcast state always goes along: a
 * child copies its parents' and drops theirs (lib/runtime/broadcast-side.ts).
 */
export function inRange(item: Item, range: HexRange, statePrefix: StatePrefix): boolean {
  const { hex, broadcast } = itemHash(item, statePrefix);
  return broadcast || (hex >= range[0] && hex <= range[1]);
}
