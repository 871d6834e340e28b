/**
 * lib/state/ttl.ts against Flink's StateTtlConfig rules: an entry last written (or, with
 * OnReadAndWrite, read) at t with time-to-live T expires at t + T and is expired for every
 * processing time >= t + T; NeverReturnExpired hides it, ReturnExpiredIfNotCleanedUp returns it
 * while it is still stored; reading an expired entry cleans it up. DynamoDB's native TTL
 * attribute is epoch seconds, rounded up so that the table never deletes a live entry.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateTtlConfig, StateVisibility, UpdateType } from '../../../lib/api/index.ts';
import { NATIVE_TTL_ATTRIBUTE, expiryAttributes, isExpired, onRead } from '../../../lib/state/ttl.ts';

const T = 10_000;
const cfg = (update: UpdateType, visibility: StateVisibility) => StateTtlConfig.newBuilder(T).setUpdateType(update).setStateVisibility(visibility).build();

describe('StateTtlConfig builder', () => {
  it("defaults to Flink's OnCreateAndWrite + NeverReturnExpired", () => {
    const c = StateTtlConfig.newBuilder(T).build();
    expect([c.ttlMs, c.updateType, c.visibility]).toEqual([T, UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired]);
    const d = StateTtlConfig.newBuilder(T).updateTtlOnReadAndWrite().returnExpiredIfNotCleanedUp().build();
    expect([d.updateType, d.visibility]).toEqual([UpdateType.OnReadAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp]);
  });

  it('rejects a non-positive or infinite time-to-live', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => StateTtlConfig.newBuilder(bad).build()).toThrow();
  });
});

describe('expiryAttributes', () => {
  it('is empty without TTL', () => {
    expect(expiryAttributes(undefined, 123, 0)).toEqual({});
  });

  it('sets exp = now + ttl and the native attribute expiresAt in epoch seconds, rounded up', () => {
    const c = StateTtlConfig.newBuilder(T).build();
    expect(NATIVE_TTL_ATTRIBUTE).toBe('expiresAt');
    expect(expiryAttributes(c, 1_700_000_000_250, 0)).toEqual({ exp: 1_700_000_010_250, expiresAt: 1_700_000_011 });
    expect(expiryAttributes(c, 1_700_000_000_000, 0)).toEqual({ exp: 1_700_000_010_000, expiresAt: 1_700_000_010 });
    expect(expiryAttributes(c, 1_700_000_000_001, 0)).toEqual({ exp: 1_700_000_010_001, expiresAt: 1_700_000_011 });
  });

  it('never lets the native TTL fire before the entry expires (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: 400_000_000 }), (now, ttl) => {
        const a = expiryAttributes(StateTtlConfig.newBuilder(ttl).build(), now, 0);
        const seconds = Number(a.expiresAt);
        expect(a.exp).toBe(now + ttl);
        expect(Number.isInteger(seconds)).toBe(true);
        expect(seconds * 1000).toBeGreaterThanOrEqual(now + ttl);
        expect(seconds * 1000 - (now + ttl)).toBeLessThan(1000);
      }),
    );
  });
});

describe('isExpired', () => {
  it('is expired exactly from the expiry time on', () => {
    expect(isExpired(undefined, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(isExpired(1000, 999)).toBe(false);
    expect(isExpired(1000, 1000)).toBe(true);
    expect(isExpired(1000, 1001)).toBe(true);
  });
});

describe('onRead', () => {
  const written = 50_000;
  const exp = written + T;

  it('without TTL, everything is visible and nothing is cleaned or refreshed', () => {
    expect(onRead(undefined, undefined, 1)).toEqual({ visible: true, cleanup: false, refresh: false });
    expect(onRead(undefined, 5, 1_000_000)).toEqual({ visible: true, cleanup: false, refresh: false });
  });

  const table: [UpdateType, StateVisibility, number, { visible: boolean; cleanup: boolean; refresh: boolean }][] = [
    [UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired, exp - 1, { visible: true, cleanup: false, refresh: false }],
    [UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired, exp, { visible: false, cleanup: true, refresh: false }],
    [UpdateType.OnCreateAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp, exp - 1, { visible: true, cleanup: false, refresh: false }],
    [UpdateType.OnCreateAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp, exp, { visible: true, cleanup: true, refresh: false }],
    [UpdateType.OnReadAndWrite, StateVisibility.NeverReturnExpired, exp - 1, { visible: true, cleanup: false, refresh: true }],
    [UpdateType.OnReadAndWrite, StateVisibility.NeverReturnExpired, exp + 5, { visible: false, cleanup: true, refresh: false }],
    [UpdateType.OnReadAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp, exp - 1, { visible: true, cleanup: false, refresh: true }],
    [UpdateType.OnReadAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp, exp, { visible: true, cleanup: true, refresh: false }],
  ];
  for (const [update, visibility, now, verdict] of table) {
    it(`${update} / ${visibility} at ${now === exp - 1 ? 'exp - 1' : now === exp ? 'exp' : 'after exp'}`, () => {
      expect(onRead(cfg(update, visibility), exp, now)).toEqual(verdict);
    });
  }

  it('an entry stored without expiry (written before TTL was configured) stays visible', () => {
    expect(onRead(cfg(UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired), undefined, 10 ** 15).visible).toBe(true);
  });
});
