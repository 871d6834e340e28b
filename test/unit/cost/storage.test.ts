/** lib/cost/storage.ts: byte-time of item versions, and the average stored bytes it prices. */
import { describe, expect, it } from 'vitest';
import { itemKind } from '../../../lib/cost/metered-store.ts';
import { averageStoredBytes, StorageLedger } from '../../../lib/cost/storage.ts';
import type { Item } from '../../../lib/state/store.ts';

const HOUR = 3_600_000;
const item = (pk: string, sk: string, attrs: Item['attrs'] = {}): Item => ({ table: 'state', pk, sk, attrs });

describe('itemKind', () => {
  it('names the log-structured backend\'s entries and snapshot parts by their key prefix', () => {
    expect(itemKind({ table: 'state', pk: 'l#stage#shardId-000000000000', sk: '00000001' })).toBe('log');
    expect(itemKind({ table: 'state', pk: 'm#stage#shardId-000000000000', sk: '00000001#00000' })).toBe('snapshot');
    expect(itemKind({ table: 'state', pk: 'r#stage#shard', sk: '1-x#00000' })).toBe('redo');
    expect(itemKind({ table: 'state', pk: 's#stage#"k"', sk: 'count' })).toBe('state');
  });
});

describe('StorageLedger', () => {
  it('stores a version from its write until it is overwritten or deleted', () => {
    const clock = { now: 0 };
    const ledger = new StorageLedger(() => clock.now, itemKind);
    ledger.put(item('s#a#"k"', 'v'), 100);
    clock.now = 2 * HOUR;
    ledger.put(item('s#a#"k"', 'v'), 300); // the 100 bytes were stored 2 h
    clock.now = 3 * HOUR;
    ledger.delete(item('s#a#"k"', 'v')); // the 300 bytes 1 h
    expect(ledger.close().state).toEqual({ endedByteMs: 100 * 2 * HOUR + 300 * HOUR, retainedBytes: 0, ttlByteMs: 0, ttlBytes: 0, openByteMs: 0, openBytes: 0 });
  });

  it('values what is left at the end: retained kinds by retention, native TTL until expiry, the rest until the end', () => {
    const clock = { now: 10 * HOUR };
    const ledger = new StorageLedger(() => clock.now, itemKind);
    ledger.put(item('l#a#shard', '1'), 1000);
    ledger.put(item('t#a#0', 'x', { expiresAt: (10 * HOUR + 5 * HOUR) / 1000 }), 50); // expires 5 h after its write
    ledger.put(item('c#a', 'shard'), 200);
    clock.now = 12 * HOUR;
    const kinds = ledger.close();
    expect(kinds.log).toMatchObject({ retainedBytes: 1000, endedByteMs: 0 });
    expect(kinds.timer).toMatchObject({ ttlByteMs: 50 * 5 * HOUR, ttlBytes: 50 });
    expect(kinds.checkpoint).toMatchObject({ openByteMs: 200 * 2 * HOUR, openBytes: 200 });
    // priced over a 4 h run, logs kept 7 days, TTL deletion a day late:
    const o = { retentionMs: 7 * 24 * HOUR, ttlLagMs: 24 * HOUR };
    expect(averageStoredBytes(kinds.log, 4 * HOUR, o)).toBeCloseTo((1000 * 7 * 24) / 4, 9);
    expect(averageStoredBytes(kinds.timer, 4 * HOUR, o)).toBeCloseTo((50 * (5 + 24)) / 4, 9);
    expect(averageStoredBytes(kinds.checkpoint, 4 * HOUR, o)).toBeCloseTo((200 * 2) / 4, 9);
  });
});
