/**
 * Flink's state TTL semantics on stored entries. An entry keeps its expiry time in ms (`exp`)
 * for exact filtering on read, and DynamoDB's native TTL attribute (`expiresAt`, epoch
 * seconds) so the table deletes it eventually (native deletion can lag by days).
 */
import { StateVisibility, UpdateType, type StateTtlConfig } from '../api/state-ttl.ts';
import type { Attributes } from './store.ts';

/** Name of the DynamoDB native TTL attribute on every state table. */
export const NATIVE_TTL_ATTRIBUTE = 'expiresAt';

/**
 * Expiry attributes for an entry written at processing time `now`; empty without TTL.
 * `exp` is exact, in processing time, and is what reads check. The native TTL attribute is
 * only the table's backstop and must never delete an entry early in *real* time: in replay,
 * processing time is simulated (often years in the past), so it counts from the later of
 * `now` and the wall clock.
 */
export function expiryAttributes(ttl: StateTtlConfig | undefined, now: number, wallClock: number): Attributes {
  if (!ttl) return {};
  return { exp: now + ttl.ttlMs, [NATIVE_TTL_ATTRIBUTE]: nativeExpiry(ttl, now, wallClock) };
}

/** The native TTL attribute (epoch seconds) for an entry written now. */
export function nativeExpiry(ttl: StateTtlConfig, now: number, wallClock: number): number {
  return Math.ceil((Math.max(now, wallClock) + ttl.ttlMs) / 1000);
}

export function isExpired(exp: number | undefined, now: number): boolean {
  return exp !== undefined && exp <= now;
}

/** What a read of an entry with expiry `exp` must do. */
export function onRead(
  ttl: StateTtlConfig | undefined,
  exp: number | undefined,
  now: number,
): { visible: boolean; cleanup: boolean; refresh: boolean } {
  if (!ttl) return { visible: true, cleanup: false, refresh: false };
  if (isExpired(exp, now)) {
    // Flink cleans an expired entry up when it is read; whether the caller still sees it this once depends on visibility.
    return { visible: ttl.visibility === StateVisibility.ReturnExpiredIfNotCleanedUp, cleanup: true, refresh: false };
  }
  return { visible: true, cleanup: false, refresh: ttl.updateType === UpdateType.OnReadAndWrite };
}
