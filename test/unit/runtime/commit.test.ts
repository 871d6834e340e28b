/**
 * lib/runtime/commit.ts: each batch commits the cheapest way in DynamoDB write units (one
 * transaction; a redo log inline in the fenced checkpoint; a redo log in part items referenced
 * by the fenced checkpoint), and every way is crash-atomic: a crash between the commit point
 * and the end of applying leaves a log that the next batch re-applies, and a zombie cannot
 * commit over a newer checkpoint nor undo it by clearing a reference.
 */
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import type { DeadLetter } from '../../../lib/runtime/dead-letters.ts';
import { describe, expect, it } from 'vitest';
import { storedItemSize } from '../../../lib/cost/units.ts';
import { ChaosCrash } from '../../../lib/runtime/chaos.ts';
import { checkpointItem, checkpointKey, initialCheckpoint, readCheckpointItem } from '../../../lib/runtime/checkpoint.ts';
import { choosePath, commitBatch, commitCosts, hasRedoLog, replayRedoLog, settleRedoLog } from '../../../lib/runtime/commit.ts';
import { ItemCache } from '../../../lib/state/item-cache.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { CommitConflictError, type Item, type ItemKey } from '../../../lib/state/store.ts';

const STAGE = 'op';
const SHARD = 'shardId-000000000000';
const checkpoint = (version: number) => ({ ...initialCheckpoint(), version, seq: String(version) });
/** Base64 of pseudo-random bytes: a value that does not deflate (real state deflates better). */
function noise(seed: number, length: number): string {
  const bytes = Buffer.alloc(Math.ceil((length * 3) / 4) + 3);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes.toString('base64').slice(0, length);
}
/** A state item whose stored size (pk, sk, v and their names) is exactly `bytes`. */
function item(i: number, bytes: number): Item {
  const pk = `s#${STAGE}#k${String(i).padStart(4, '0')}`;
  const overhead = 'pk'.length + pk.length + 'sk'.length + 'v'.length + 'v'.length;
  return { table: 'state', pk, sk: 'v', attrs: { v: noise(i, bytes - overhead) } };
}
/** Bytes of the log as commit.ts stores it: a format byte + the JSON, Brotli quality 5 (lib/state/packing.ts). */
const packedBytes = (log: { puts: Item[]; deletes: ItemKey[] }) => 1 + brotliCompressSync(JSON.stringify(log), { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } }).length;
const items = (n: number, bytes: number) => Array.from({ length: n }, (_, i) => item(i, bytes));
const keyOf = ({ table, pk, sk }: Item): ItemKey => ({ table, pk, sk });

function cacheWith(store: MemoryStore, puts: Item[], deletes: ItemKey[] = []): ItemCache {
  const cache = new ItemCache(store);
  for (const p of puts) cache.set(keyOf(p), p);
  for (const d of deletes) cache.set(d, undefined);
  return cache;
}

async function commit(store: MemoryStore, puts: Item[], options: { version?: number; crash?: boolean; deletes?: ItemKey[]; deadLetters?: DeadLetter[] } = {}) {
  const version = options.version ?? 1;
  return commitBatch(store, {
    stage: STAGE,
    shard: SHARD,
    cache: cacheWith(store, puts, options.deletes),
    deadLetters: options.deadLetters ?? [],
    checkpoint: checkpoint(version),
    previousVersion: version === 1 ? undefined : version - 1,
    wallClock: 1_700_000_000_000,
    faults: options.crash ? (point) => { if (point === 'mid-commit') throw new ChaosCrash(point); } : undefined,
  });
}

const values = (store: MemoryStore) => new Map(store.dump('state').filter((i) => i.pk.startsWith('s#')).map((i) => [i.pk, i.attrs.v]));
const parts = (store: MemoryStore) => store.dump('state').filter((i) => i.pk.startsWith('r#'));

describe('commitCosts: the write units of each way, by hand', () => {
  const cp = checkpointItem(STAGE, SHARD, checkpoint(1));
  it('the checkpoint of these tests is under 1 KB (C = 1)', () => {
    expect(storedItemSize(cp)).toBeLessThan(1024 - 300);
  });

  it('no changes: the checkpoint alone, one conditional put (1 unit)', () => {
    expect(commitCosts({ puts: [], deletes: [] }, cp)).toEqual({ atomic: 1, inline: undefined, parts: undefined });
    expect(choosePath(commitCosts({ puts: [], deletes: [] }, cp))).toBe('atomic');
  });

  it('one small change: the transaction costs 2 × (1 + 1); the log fits in the checkpoint\'s kilobyte: 1 + 1', () => {
    const costs = commitCosts({ puts: [item(0, 100)], deletes: [] }, cp);
    expect(costs.atomic).toBe(4);
    expect(costs.inline).toBe(2); // put of the checkpoint with its log (1), the applied item (1), the next checkpoint write no larger
    expect(costs.parts).toBe(1 + 1 + 1 + 1); // part, checkpoint with the reference, the item, the clearing put
    expect(choosePath(costs)).toBe('inline');
  });

  it('one item of a full kilobyte: the log spills the checkpoint past 1 KB; the transaction is cheapest', () => {
    const costs = commitCosts({ puts: [item(0, 1000)], deletes: [] }, cp);
    expect(costs.atomic).toBe(2 * (1 + 1));
    expect(costs.inline).toBe(2 + 1 + 2 * (2 - 1));
    expect(costs.parts).toBe(2 + 1 + 1 + 1);
    expect(choosePath(costs)).toBe('atomic');
  });

  it('fifty small changes: 2 × 51 in a transaction; their 3.3 KB packed log inline costs 4 + 50 + 2 × 3, in a part 4 + 1 + 50 + 1', () => {
    const log = { puts: items(50, 100), deletes: [] };
    const costs = commitCosts(log, cp);
    expect(Buffer.byteLength(JSON.stringify(log))).toBe(7323); // the JSON, packed (random base64 values: 6 bits a character):
    expect(packedBytes(log)).toBe(3429);
    expect(costs.atomic).toBe(102);
    expect(costs.parts).toBe(4 + 1 + 50 + 1); // the part item: 3429 B of log + its keys and expiry < 4 KB
    expect(costs.inline).toBe(4 + 50 + 2 * (4 - 1)); // 307 B of checkpoint + 3429 B of log
    expect(choosePath(costs)).toBe('parts');
  });

  it('the log is stored deflated: repetitive state costs a fraction of its size', () => {
    const log = { puts: items(50, 100).map((i) => ({ ...i, attrs: { v: JSON.stringify({ count: 1, status: 'open' }) } })), deletes: [] };
    expect(packedBytes(log)).toBeLessThan(Buffer.byteLength(JSON.stringify(log)) / 4);
    expect(packedBytes(log)).toBeLessThan(1024 - 307 - 'redo'.length); // with the checkpoint, still 1 KB
    expect(commitCosts(log, cp).inline).toBe(1 + 50);
  });

  it('a tie goes to fewer round trips; past 99 changes there is no transaction', () => {
    expect(choosePath({ atomic: 5, inline: 5, parts: 5 })).toBe('atomic');
    expect(choosePath({ atomic: 6, inline: 5, parts: 5 })).toBe('inline');
    expect(commitCosts({ puts: items(99, 1000), deletes: [] }, cp).atomic).toBe(200);
    expect(commitCosts({ puts: items(100, 1000), deletes: [] }, cp).atomic).toBeUndefined();
  });

  it('deletes count one unit each (their old size is unknown here and weighs the same in every way)', () => {
    const deletes = items(3, 100).map(keyOf);
    expect(commitCosts({ puts: [], deletes }, cp).atomic).toBe(2 * (3 + 1));
  });
});

describe('commitBatch: every way is crash-atomic', () => {
  const cases: [string, Item[], 'atomic' | 'inline' | 'parts'][] = [
    ['a transaction', [item(0, 1000)], 'atomic'],
    ['a log inline in the checkpoint', [item(0, 100), item(1, 100)], 'inline'],
    ['a log in parts', items(50, 100), 'parts'],
    ['a log in several parts', items(500, 1000), 'parts'],
  ];
  for (const [name, puts, way] of cases) {
    it(`${name}: committed and applied; a crash mid-apply is completed by the next batch's replay`, async () => {
      const clean = new MemoryStore();
      expect((await commit(clean, puts)).way).toBe(way);
      const expected = new Map(puts.map((p) => [p.pk, p.attrs.v]));
      expect(values(clean)).toEqual(expected);
      const stored = (await readCheckpointItem(clean, STAGE, SHARD))!;
      // After a clean commit only an inline log is left (it goes with the next commit); parts are no longer referenced.
      expect(hasRedoLog(stored)).toBe(way === 'inline');
      if (way === 'parts') {
        expect(parts(clean).length).toBe(puts.length > 100 ? 2 : 1);
        expect(parts(clean).every((p) => Number(p.attrs.expiresAt) === 1_700_000_000 + 7 * 86_400)).toBe(true);
      }

      if (way === 'atomic') return; // nothing between the commit point and the end
      const crashed = new MemoryStore();
      await expect(commit(crashed, puts, { crash: true })).rejects.toBeInstanceOf(ChaosCrash);
      const committed = (await readCheckpointItem(crashed, STAGE, SHARD))!;
      expect(Number(committed.attrs.version)).toBe(1);
      expect(hasRedoLog(committed)).toBe(true);
      expect(values(crashed).size).toBeLessThan(puts.length);
      await replayRedoLog(crashed, STAGE, SHARD, committed);
      expect(values(crashed)).toEqual(expected);
      // replaying twice is replaying once; a log in parts is no longer referenced once applied
      await replayRedoLog(crashed, STAGE, SHARD, committed);
      expect(values(crashed)).toEqual(expected);
      expect(hasRedoLog((await readCheckpointItem(crashed, STAGE, SHARD))!)).toBe(way === 'inline');
    });
  }

  it('a log stored as plain JSON (by an earlier version) is still replayed, inline or in parts', async () => {
    const inline = new MemoryStore();
    const first = [item(0, 100), item(1, 100)];
    const cp1 = checkpointItem(STAGE, SHARD, checkpoint(1));
    await inline.commit({ puts: [], deletes: [], checkpoint: { item: { ...cp1, attrs: { ...cp1.attrs, redo: JSON.stringify({ puts: first, deletes: [] }) } }, expectedVersion: undefined } });
    await replayRedoLog(inline, STAGE, SHARD, (await readCheckpointItem(inline, STAGE, SHARD))!);
    expect(values(inline)).toEqual(new Map(first.map((p) => [p.pk, p.attrs.v])));

    const inParts = new MemoryStore();
    const partKey = (i: number) => ({ table: 'state' as const, pk: `r#${STAGE}#${SHARD}`, sk: `1-old#${String(i).padStart(5, '0')}` });
    await inParts.writeBatch([0, 1].map((i) => ({ ...partKey(i), attrs: { part: JSON.stringify({ puts: [first[i]], deletes: [] }), expiresAt: 1 } })), []);
    await inParts.commit({ puts: [], deletes: [], checkpoint: { item: { ...cp1, attrs: { ...cp1.attrs, redoId: '1-old', redoParts: 2 } }, expectedVersion: undefined } });
    await replayRedoLog(inParts, STAGE, SHARD, (await readCheckpointItem(inParts, STAGE, SHARD))!);
    expect(values(inParts)).toEqual(new Map(first.map((p) => [p.pk, p.attrs.v])));
    expect(hasRedoLog((await readCheckpointItem(inParts, STAGE, SHARD))!)).toBe(false);
  });

  it('deletes go through every way', async () => {
    for (const [puts, way] of [[[item(0, 1000)], 'atomic'], [[item(0, 100)], 'inline'], [items(50, 100), 'parts']] as const) {
      const store = new MemoryStore();
      await store.writeBatch([{ ...item(0, 100), pk: 's#op#old' }], []);
      const deletes = [{ table: 'state' as const, pk: 's#op#old', sk: 'v' }];
      expect((await commit(store, [...puts], { deletes })).way).toBe(way);
      expect(values(store).has('s#op#old')).toBe(false);
      expect(values(store).size).toBe(puts.length);
    }
  });

  it('a zombie that read an older checkpoint cannot commit, in any way', async () => {
    for (const puts of [[item(0, 1000)], [item(0, 100), item(1, 100)], items(50, 100)]) {
      const store = new MemoryStore();
      await commit(store, [item(9, 100)], { version: 1 });
      await commit(store, [item(9, 200)], { version: 2 });
      await expect(commit(store, puts, { version: 2 })).rejects.toBeInstanceOf(CommitConflictError);
      expect(values(store).get(item(9, 200).pk)).toBe(item(9, 200).attrs.v);
      expect(values(store).size).toBe(1);
    }
  });

  it('clearing a reference to parts never overwrites a newer checkpoint', async () => {
    const store = new MemoryStore();
    // While this batch applies its log, another invocation re-applies it and commits version 2.
    const writeBatch = store.writeBatch.bind(store);
    let raced = false;
    store.writeBatch = async (puts, deletes) => {
      await writeBatch(puts, deletes);
      if (!raced && puts.some((p) => p.pk.startsWith('s#'))) {
        raced = true;
        await store.commit({ puts: [], deletes: [], checkpoint: { item: checkpointItem(STAGE, SHARD, checkpoint(2)), expectedVersion: 1 } });
      }
    };
    expect((await commit(store, items(50, 100))).way).toBe('parts');
    const [stored] = await store.batchGet([checkpointKey(STAGE, SHARD)]);
    expect(Number(stored.attrs.version)).toBe(2);
  });
});

describe('settleRedoLog: before a change from outside the stage', () => {
  it('applies the pending log and takes it out of the checkpoint, so no later replay puts back a dead letter that was deleted', async () => {
    const letter: DeadLetter = { stage: STAGE, shard: SHARD, seq: '7', index: 0, reason: 'invalid JSON', record: 'not json', encoding: 'utf8', at: 1 };
    const store = new MemoryStore();
    expect((await commit(store, [item(0, 100), item(1, 100)], { deadLetters: [letter] })).way).toBe('inline'); // the cheapest way keeps the log in the checkpoint
    const before = await readCheckpointItem(store, STAGE, SHARD);
    expect(hasRedoLog(before!)).toBe(true);

    await settleRedoLog(store, STAGE, SHARD);
    const after = (await readCheckpointItem(store, STAGE, SHARD))!;
    expect(hasRedoLog(after)).toBe(false);
    expect(after.attrs.version).toBe(before!.attrs.version); // the stage's next commit is fenced on the same version
    // `eddy dlq redrive` deletes the letter; a new container then finds no log to replay.
    await store.writeBatch([], store.dump('dead-letter').map(({ table, pk, sk }) => ({ table, pk, sk })));
    expect(hasRedoLog((await readCheckpointItem(store, STAGE, SHARD))!)).toBe(false);
    expect(store.dump('dead-letter')).toEqual([]);
    expect(values(store).size).toBe(2); // the log's state was applied
  });
});
