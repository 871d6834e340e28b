/**
 * MemoryStore against the KeyValueStore contract: batched reads omit absent items, queries
 * return an inclusive sort-key range in order, and a commit is fenced on the checkpoint
 * version and atomic: a conflicting commit throws CommitConflictError and writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { CommitConflictError, type Item } from '../../../lib/state/store.ts';

const item = (pk: string, sk: string, v: number, table: 'state' | 'dead-letter' = 'state'): Item => ({ table, pk, sk, attrs: { v } });
const cp = (version: number): Item => ({ table: 'state', pk: 'c#stage', sk: 'shard-0', attrs: { version, cp: '{}' } });

describe('MemoryStore.commit', () => {
  it('is fenced on the checkpoint version', async () => {
    const store = new MemoryStore();
    await store.commit({ puts: [item('p', 'a', 1)], deletes: [], checkpoint: { item: cp(1), expectedVersion: undefined } });
    // a second "first" commit: another invocation already created the checkpoint
    await expect(store.commit({ puts: [], deletes: [], checkpoint: { item: cp(1), expectedVersion: undefined } })).rejects.toBeInstanceOf(CommitConflictError);
    await store.commit({ puts: [item('p', 'a', 2)], deletes: [], checkpoint: { item: cp(2), expectedVersion: 1 } });
    // a zombie that read version 1 cannot commit after version 2
    await expect(store.commit({ puts: [], deletes: [], checkpoint: { item: cp(2), expectedVersion: 1 } })).rejects.toThrow(CommitConflictError);
    await expect(store.commit({ puts: [], deletes: [], checkpoint: { item: cp(4), expectedVersion: 3 } })).rejects.toThrow(CommitConflictError);
    expect(store.dump('state').find((i) => i.pk === 'c#stage')?.attrs.version).toBe(2);
  });

  it('writes nothing of a conflicting commit', async () => {
    const store = new MemoryStore();
    await store.commit({ puts: [item('p', 'a', 1), item('p', 'b', 1)], deletes: [], checkpoint: { item: cp(1), expectedVersion: undefined } });
    const before = store.dump('state');
    await expect(
      store.commit({ puts: [item('p', 'a', 99), item('p', 'z', 99), item('d', 'x', 1, 'dead-letter')], deletes: [{ table: 'state', pk: 'p', sk: 'b' }], checkpoint: { item: cp(7), expectedVersion: 0 } }),
    ).rejects.toThrow(CommitConflictError);
    expect(store.dump('state')).toEqual(before);
    expect(store.dump('dead-letter')).toEqual([]);
  });

  it('applies puts, deletes and the checkpoint together', async () => {
    const store = new MemoryStore();
    await store.commit({ puts: [item('p', 'a', 1), item('p', 'b', 1)], deletes: [], checkpoint: { item: cp(1), expectedVersion: undefined } });
    await store.commit({ puts: [item('p', 'c', 3)], deletes: [{ table: 'state', pk: 'p', sk: 'a' }], checkpoint: { item: cp(2), expectedVersion: 1 } });
    expect(await store.query('state', 'p')).toEqual([item('p', 'b', 1), item('p', 'c', 3)]);
  });
});

describe('MemoryStore reads', () => {
  it('batchGet returns the items found (absent ones omitted), as copies', async () => {
    const store = new MemoryStore();
    await store.commit({ puts: [item('p', 'a', 1), item('q', 'a', 2)], deletes: [], checkpoint: { item: cp(1), expectedVersion: undefined } });
    const got = await store.batchGet([
      { table: 'state', pk: 'p', sk: 'a' },
      { table: 'state', pk: 'p', sk: 'missing' },
      { table: 'dead-letter', pk: 'q', sk: 'a' },
      { table: 'state', pk: 'q', sk: 'a' },
    ]);
    expect(got).toEqual([item('p', 'a', 1), item('q', 'a', 2)]);
    got[0].attrs.v = 42;
    expect((await store.batchGet([{ table: 'state', pk: 'p', sk: 'a' }]))[0].attrs.v).toBe(1);
  });

  it('query returns an inclusive sort-key range of one partition in order, with a limit', async () => {
    const store = new MemoryStore();
    const sks = ['E#3', 'E#1', 'P#0', 'E#2', 'D#9', 'E#10'];
    await store.commit({ puts: [...sks.map((sk, i) => item('t', sk, i)), item('u', 'E#1', 0)], deletes: [], checkpoint: { item: cp(1), expectedVersion: undefined } });
    const sortKeys = async (range: Parameters<MemoryStore['query']>[2]) => (await store.query('state', 't', range)).map((i) => i.sk);
    expect(await sortKeys({})).toEqual(['D#9', 'E#1', 'E#10', 'E#2', 'E#3', 'P#0']);
    expect(await sortKeys({ from: 'E#', to: 'E#2' })).toEqual(['E#1', 'E#10', 'E#2']);
    expect(await sortKeys({ from: 'E#', to: 'E#\uffff', limit: 2 })).toEqual(['E#1', 'E#10']);
    expect(await store.query('state', 'nothing')).toEqual([]);
    expect(await store.query('dead-letter', 't')).toEqual([]);
  });
});
