/**
 * How a batch commits on the log-structured backend (lib/runtime/log-commit.ts), each way
 * against what a restore from the store then gives back: an entry of the changelog and the
 * fenced checkpoint naming it; a snapshot when the log outgrows the policy, with expired keyed
 * state left out of it (and logged as deleted); dead letters in the commit's transaction; a
 * crash before the commit point and a fenced-out zombie leave the committed state as it was.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHANGELOG_OPTIONS } from '../../../lib/plan/graph.ts';
import { initialCheckpoint, readCheckpoint, type Checkpoint } from '../../../lib/runtime/checkpoint.ts';
import { ChaosCrash } from '../../../lib/runtime/chaos.ts';
import { commitToLog, type LogCommit } from '../../../lib/runtime/log-commit.ts';
import { openShardState, restoreLineage } from '../../../lib/state/log/restore.ts';
import { ShardState } from '../../../lib/state/log/shard-state.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { CommitConflictError, type Item, type KeyValueStore } from '../../../lib/state/store.ts';

const layout = { stage: 'op', shard: 'shardId-000000000000', keyGroups: 128, statePrefix: 's#op#', timers: { stage: 'op', keyGroups: 128, partitions: 4 } };
const item = (key: string, v: string, exp?: number): Item => ({ table: 'state', pk: `s#op#${key}`, sk: 'v#-', attrs: { v, ...(exp !== undefined && { exp }) } });
const del = (key: string) => ({ table: 'state' as const, pk: `s#op#${key}`, sk: 'v#-' });
const policy = { ...DEFAULT_CHANGELOG_OPTIONS, minLogBytes: 3_000, logToSnapshotRatio: 4 };

/** Commits `puts`/`deletes` as the next batch of the shard, from what the store holds. */
async function commitNext(store: KeyValueStore, state: ShardState, changes: { puts?: Item[]; deletes?: ReturnType<typeof del>[] }, extra: Partial<LogCommit> = {}) {
  const previous = (await readCheckpoint(store, layout.stage, layout.shard)) ?? initialCheckpoint();
  const checkpoint: Checkpoint = { ...structuredClone(previous), version: previous.version + 1 };
  return commitToLog(store, {
    layout, state, checkpoint, changes: { puts: changes.puts ?? [], deletes: changes.deletes ?? [] }, deadLetters: [],
    previousVersion: previous.version === 0 ? undefined : previous.version, wallClock: 1_000, now: 500, policy, ...extra,
  });
}

async function restored(store: KeyValueStore) {
  const cp = (await readCheckpoint(store, layout.stage, layout.shard))!;
  const state = await restoreLineage(store, layout, cp.state, { items: 0, bytes: 0 });
  return new Map([...state.items()].map((i) => [i.pk.slice('s#op#'.length), i.attrs.v]));
}

describe('commitToLog', () => {
  it('writes a batch as one changelog entry and the fenced checkpoint naming it; no per-key item', async () => {
    const store = new MemoryStore();
    const state = new ShardState(0);
    await commitNext(store, state, { puts: [item('a', '1'), item('b', '2')] });
    await commitNext(store, state, { puts: [item('a', '3')], deletes: [del('b'), del('never-held')] });
    const kinds = store.dump('state').map((i) => i.pk.slice(0, 2));
    expect(kinds.sort()).toEqual(['c#', 'l#', 'l#']);
    expect(await restored(store)).toEqual(new Map([['a', '3']]));
    expect(state.version).toBe(2);
    const cp = (await readCheckpoint(store, layout.stage, layout.shard))!;
    expect(cp.state!.logs).toHaveLength(1);
    expect(cp.state!.snapshots).toEqual([]);
  });

  it('a batch without changes writes the checkpoint alone', async () => {
    const store = new MemoryStore();
    const state = new ShardState(0);
    await commitNext(store, state, {});
    expect(store.dump('state').map((i) => i.pk)).toEqual(['c#op']);
  });

  it('materializes when the log outgrows the policy: a snapshot, an empty log after it, and expired keyed state dropped', async () => {
    const store = new MemoryStore();
    const state = new ShardState(0);
    const ways: boolean[] = [];
    for (let batch = 0; batch < 40; batch++) {
      const puts = Array.from({ length: 20 }, (_, i) => item(`k${batch}-${i}`, `value of batch ${batch} item ${i}: ${(batch * 7919 + i * 104729) % 1000003}`, batch < 5 ? 400 : undefined));
      ways.push((await commitNext(store, state, { puts })).materialized);
    }
    expect(ways.filter(Boolean).length).toBeGreaterThan(0);
    const at = ways.indexOf(true);
    const cp = (await readCheckpoint(store, layout.stage, layout.shard))!;
    expect(cp.state!.snapshots).toHaveLength(1);
    expect(cp.state!.logs[0].after).toBeLessThanOrEqual(cp.version);
    // Items of the first five batches expired at 400; processing time is 500 at every snapshot.
    const back = await restored(store);
    expect(back.size).toBe(35 * 20);
    expect([...back.keys()].some((k) => k.startsWith('k0-'))).toBe(false);
    expect(at).toBeGreaterThan(0);
    // The copy that materialized holds what a restore gives.
    expect(new Map([...state.items()].map((i) => [i.pk.slice('s#op#'.length), i.attrs.v]))).toEqual(back);
  });

  it('a stale copy catches up through the log; one older than the last snapshot restores from it', async () => {
    const store = new MemoryStore();
    const writer = new ShardState(0);
    await commitNext(store, writer, { puts: [item('a', '1'), item('b', '2')] });
    const copyAt = async () => {
      const copy = await restoreLineage(store, layout, (await readCheckpoint(store, layout.stage, layout.shard))!.state, { items: 0, bytes: 0 });
      copy.version = (await readCheckpoint(store, layout.stage, layout.shard))!.version;
      return copy;
    };
    const atOne = await copyAt();
    await commitNext(store, writer, { puts: [item('c', '3')], deletes: [del('a')] });
    await commitNext(store, writer, { puts: [item('b', '4')] });
    let cp = (await readCheckpoint(store, layout.stage, layout.shard))!;
    const caught = await openShardState(store, layout, cp.state, cp.version, atOne);
    expect([caught.access.access, caught.access.itemsRead]).toEqual(['catch-up', 2]);
    expect(new Map([...caught.state.items()].map((i) => [i.pk, i.attrs.v]))).toEqual(new Map([['s#op#b', '4'], ['s#op#c', '3']]));

    const atThree = await copyAt();
    await commitNext(store, writer, { puts: [item('d', '5')] }, { policy: { ...policy, minLogBytes: 1 } }); // materializes
    cp = (await readCheckpoint(store, layout.stage, layout.shard))!;
    expect(cp.state!.snapshots).toHaveLength(1);
    const reopened = await openShardState(store, layout, cp.state, cp.version, atThree);
    expect(reopened.access.access).toBe('restore');
    expect([...reopened.state.items()].map((i) => i.pk).sort()).toEqual(['s#op#b', 's#op#c', 's#op#d']);
    expect((await openShardState(store, layout, cp.state, cp.version, reopened.state)).access).toMatchObject({ access: 'hit', bytesRead: 0 });
  });

  it('puts dead letters in the commit itself: they exist exactly when the batch’s effects do', async () => {
    const store = new MemoryStore();
    const letter: Item = { table: 'dead-letter', pk: 'op#shardId-000000000000', sk: '1#0', attrs: { reason: 'boom' } };
    let crash = true;
    const faults = (point: string) => {
      if (point === 'mid-commit' && crash) throw new ChaosCrash('mid-commit');
    };
    await expect(commitNext(store, new ShardState(0), { puts: [item('a', '1')] }, { deadLetters: [letter], faults })).rejects.toBeInstanceOf(ChaosCrash);
    expect(store.dump('dead-letter')).toEqual([]); // crashed before the commit point: no dead letter, no state
    expect(await readCheckpoint(store, layout.stage, layout.shard)).toBeUndefined();
    crash = false;
    await commitNext(store, new ShardState(0), { puts: [item('a', '1')] }, { deadLetters: [letter], faults });
    expect(store.dump('dead-letter')).toHaveLength(1);
    expect(await restored(store)).toEqual(new Map([['a', '1']]));
  });

  it('a zombie committing from an old version is fenced out and its entry is never on the chain', async () => {
    const store = new MemoryStore();
    await commitNext(store, new ShardState(0), { puts: [item('a', '1')] });
    const cpAt1 = (await readCheckpoint(store, layout.stage, layout.shard))!;
    await commitNext(store, new ShardState(1), { puts: [item('a', '2')] });
    const zombie = commitToLog(store, {
      layout, state: new ShardState(1), checkpoint: { ...structuredClone(cpAt1), version: 2 }, changes: { puts: [item('a', 'zombie')], deletes: [] },
      deadLetters: [], previousVersion: 1, wallClock: 1_000, now: 500, policy,
    });
    await expect(zombie).rejects.toBeInstanceOf(CommitConflictError);
    expect(await restored(store)).toEqual(new Map([['a', '2']]));
    expect(store.dump('state').filter((i) => i.pk.startsWith('l#'))).toHaveLength(3); // its entry exists, unreferenced (TTL removes it)
  });
});
