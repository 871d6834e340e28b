/**
 * Moving a stage shard's checkpoint (`eddy reset`): what else in the checkpoints must change
 * so that the records after the new position are *processed again*, not dropped as already
 * applied. Two things drop re-read records besides the position itself:
 *
 * - a keyed stage's own `origins`: the upstream positions it consumed. The envelopes it re-reads
 *   carry origins it has consumed, so those are lowered to just before the first re-read
 *   envelope of each upstream shard (cleared for trim-horizon);
 * - the `origins` its downstream stages keep for it: a re-processed record is re-emitted under
 *   the same origin (its input position), so the downstream's position for this shard is
 *   lowered to the new checkpoint (removed for trim-horizon).
 *
 * State, timers and watermarks are not rewound: re-read records apply on top of the current
 * state, and may be late for event-time logic that has moved past them.
 */
import type { Checkpoint } from './checkpoint.ts';
import { compareOrigin, decodeEnvelopes, type Origin } from './envelope.ts';

/** Origins this large sort after every output index of a record. */
const LAST_INDEX = Number.MAX_SAFE_INTEGER;

/**
 * The first data envelope's origin per upstream `stage/shard` in a keyed stage's input records
 * (records it cannot decode, or addressed to another shard, are skipped as the stage skips them).
 *
 * @example
 * ```ts
 * const first = firstOrigins(reread, 'shardId-000000000000'); // { 'source-orders/shardId-000000000000': { seq: '…', index: 0 } }
 * ```
 */
export function firstOrigins(records: { data: Uint8Array }[], shardId: string): Record<string, Origin> {
  const first: Record<string, Origin> = {};
  for (const record of records) {
    let decoded;
    try {
      decoded = decodeEnvelopes(record.data);
    } catch {
      continue;
    }
    if (decoded.to !== undefined && decoded.to !== shardId) continue;
    const upstream = `${decoded.from.stage}/${decoded.from.shard}`;
    const data = decoded.envelopes.find((e) => e.kind === 'data');
    if (data && data.kind === 'data' && !(upstream in first)) first[upstream] = data.origin;
  }
  return first;
}

/**
 * A keyed stage's checkpoint moved to `seq` (undefined: the start of the stream), its consumed
 * upstream positions lowered so that the envelopes after `seq` count as new: all cleared for
 * the start of the stream, else each upstream's position set just before `reread[upstream]`
 * (the first envelope of that upstream after `seq`) when it is past it.
 *
 * @example
 * ```ts
 * const cp = rewindKeyedCheckpoint(stored, newSeq, firstOrigins(reread, shard));
 * ```
 */
export function rewindKeyedCheckpoint(cp: Checkpoint, seq: string | undefined, reread: Record<string, Origin>): Checkpoint {
  const next = moveCheckpoint(cp, seq);
  if (seq === undefined) {
    next.origins = {};
    delete next.inheritedOrigins;
    return next;
  }
  for (const [upstream, origin] of Object.entries(reread)) {
    const before = { seq: origin.seq, index: origin.index - 1 };
    lower(next.origins, upstream, before);
    for (const entry of next.inheritedOrigins ?? []) lower(entry.origins, upstream, before);
  }
  return next;
}

/**
 * The checkpoint moved to `seq`, nothing else changed (a source stage: its records carry no origins).
 *
 * @example
 * ```ts
 * const cp = moveCheckpoint(stored, undefined); // trim-horizon
 * ```
 */
export function moveCheckpoint(cp: Checkpoint, seq: string | undefined): Checkpoint {
  const next = structuredClone(cp);
  if (seq === undefined) delete next.seq;
  else next.seq = seq;
  return next;
}

/**
 * A downstream stage's checkpoint after its upstream shard `upstream` (`stage/shard`) was moved
 * back to `seq`: the position consumed from it lowered to the end of record `seq` (removed when
 * undefined), so that what the upstream re-emits is accepted. Undefined when nothing changes.
 *
 * @example
 * ```ts
 * const cp = releaseUpstream(downstreamCp, 'source-orders/shardId-000000000000', undefined);
 * ```
 */
export function releaseUpstream(cp: Checkpoint, upstream: string, seq: string | undefined): Checkpoint | undefined {
  const next = structuredClone(cp);
  const maps = [next.origins, ...(next.inheritedOrigins ?? []).map((e) => e.origins)];
  let changed = false;
  for (const origins of maps) {
    if (!(upstream in origins)) continue;
    if (seq === undefined) {
      delete origins[upstream];
      changed = true;
    } else changed = lower(origins, upstream, { seq, index: LAST_INDEX }) || changed;
  }
  return changed ? next : undefined;
}

function lower(origins: Record<string, Origin>, upstream: string, to: Origin): boolean {
  const current = origins[upstream];
  if (current === undefined || compareOrigin(current, to) <= 0) return false;
  origins[upstream] = to;
  return true;
}
