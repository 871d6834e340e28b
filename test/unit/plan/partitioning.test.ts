/**
 * Keys to hash keys, key groups, timer partitions and shards. Kinesis hashes a partition key
 * with MD5 into a 128-bit integer; key groups cut that space into contiguous, equally sized
 * ranges numbered in hash order; a timer partition is a contiguous run of key groups; the
 * timer partitions of a hash range are exactly those holding a key group that meets it.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { FULL_HASH_RANGE, hashKeyHex, hashKeyOf, keyGroupOf, shardForHash, sortShards, timerPartitionOf, timerPartitionsOfRange } from '../../../lib/plan/partitioning.ts';

const H = 1n << 128n;
const hashArb = fc.bigInt({ min: 0n, max: H - 1n });
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
/** First hash key of key group g of `groups`: the smallest h with h * groups >= g * 2^128. */
const groupStart = (g: number, groups: number) => ceilDiv(BigInt(g) * H, BigInt(groups));

describe('hashKeyOf', () => {
  it('is the MD5 digest of the UTF-8 key read as a 128-bit unsigned integer', () => {
    expect(hashKeyOf('')).toBe(0xd41d8cd98f00b204e9800998ecf8427en);
    expect(hashKeyOf('hello')).toBe(0x5d41402abc4b2a76b9719d911017c592n);
    const key = 'order-ü-42';
    const digest = createHash('md5').update(Buffer.from(key, 'utf8')).digest();
    expect(hashKeyOf(key)).toBe(digest.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n));
  });

  it('always lies in the 128-bit space', () => {
    fc.assert(
      fc.property(fc.string(), (k) => {
        const h = hashKeyOf(k);
        expect(h >= 0n && h < H).toBe(true);
      }),
    );
  });
});

describe('hashKeyHex', () => {
  it('is 32 hex digits whose string order is the numeric order (property)', () => {
    fc.assert(
      fc.property(hashArb, hashArb, (a, b) => {
        const [x, y] = [hashKeyHex(a), hashKeyHex(b)];
        expect(x).toMatch(/^[0-9a-f]{32}$/);
        expect(BigInt('0x' + x)).toBe(a);
        expect(x < y).toBe(a < b);
      }),
    );
  });
});

describe('key groups', () => {
  const groupCounts = [1, 3, 10, 128, 1000];

  it('are contiguous ranges in hash order: group g starts at ceil(g * 2^128 / groups)', () => {
    for (const groups of groupCounts) {
      expect(keyGroupOf(0n, groups)).toBe(0);
      expect(keyGroupOf(H - 1n, groups)).toBe(groups - 1);
      for (const g of [...new Set([1, Math.floor(groups / 2), groups - 1])].filter((x) => x > 0)) {
        expect(keyGroupOf(groupStart(g, groups), groups), `${g}/${groups}`).toBe(g);
        expect(keyGroupOf(groupStart(g, groups) - 1n, groups), `${g}/${groups}`).toBe(g - 1);
      }
    }
    expect(groupStart(1, 128)).toBe(1n << 121n);
  });

  it('are monotone in the hash (property)', () => {
    fc.assert(
      fc.property(hashArb, hashArb, fc.constantFrom(...groupCounts), (a, b, groups) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const [gl, gh] = [keyGroupOf(lo, groups), keyGroupOf(hi, groups)];
        expect(gl <= gh && gl >= 0 && gh < groups).toBe(true);
        expect(lo >= groupStart(gl, groups) && lo < groupStart(gl + 1, groups)).toBe(true);
      }),
    );
  });
});

describe('timer partitions', () => {
  it('are contiguous runs of key groups covering 0..partitions-1', () => {
    for (const [groups, partitions] of [[128, 4], [10, 3], [7, 7], [5, 1]]) {
      const of = Array.from({ length: groups }, (_, g) => timerPartitionOf(g, groups, partitions));
      expect(of[0]).toBe(0);
      expect(of.at(-1)).toBe(partitions - 1);
      for (let g = 1; g < groups; g++) expect(of[g] - of[g - 1], `${groups}/${partitions} at ${g}`).toBeGreaterThanOrEqual(0);
      for (let g = 1; g < groups; g++) expect(of[g] - of[g - 1]).toBeLessThanOrEqual(1);
    }
  });

  it('of a hash range are exactly the partitions of the key groups that meet it (property)', () => {
    const layouts = fc.constantFrom([128, 4], [10, 3], [7, 7], [1000, 9]);
    fc.assert(
      fc.property(hashArb, hashArb, layouts, (a, b, [groups, partitions]) => {
        const range = a <= b ? { start: a, end: b } : { start: b, end: a };
        const expected = new Set<number>();
        for (let g = 0; g < groups; g++) {
          const lo = groupStart(g, groups);
          const hi = groupStart(g + 1, groups) - 1n;
          if (lo <= range.end && hi >= range.start) expected.add(timerPartitionOf(g, groups, partitions));
        }
        expect(timerPartitionsOfRange(range, groups, partitions)).toEqual([...expected].sort((x, y) => x - y));
      }),
    );
    expect(timerPartitionsOfRange(FULL_HASH_RANGE, 128, 4)).toEqual([0, 1, 2, 3]);
  });
});

describe('shards', () => {
  it('of a stream cover the hash space without gaps, and shardForHash finds the owner (property)', async () => {
    const streams = new MemoryStreams();
    for (const n of [1, 2, 3, 7]) streams.createStream(`s${n}`, n);
    for (const n of [1, 2, 3, 7]) {
      const shards = sortShards([...(await streams.listShards(`s${n}`))].reverse());
      expect(shards[0].start).toBe(0n);
      expect(shards.at(-1)!.end).toBe(H - 1n);
      for (let i = 1; i < shards.length; i++) expect(shards[i].start).toBe(shards[i - 1].end + 1n);
      fc.assert(
        fc.property(hashArb, (h) => {
          const s = shardForHash(shards, h);
          expect(h >= s.start && h <= s.end).toBe(true);
        }),
        { numRuns: 30 },
      );
    }
    expect(() => shardForHash([{ shardId: 'x', start: 10n, end: 20n }], 5n)).toThrow();
  });
});
