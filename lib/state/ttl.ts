/**
 * Flink's state TTL semantics on stored entries. An entry keeps its expiry time in ms (`exp`)
 * for exact filtering on read, and DynamoDB's native TTL attribute (`expiresAt`, epoch
 * seconds) so the table deletes it eventually (native deletion can lag by days).
 */
import { StateVisibility, UpdateType, type StateTtlConfig } from '../api/state-ttl.ts';
import type { Attributes } from './store.ts';

/** Name of the DynamoDB native TTL attribute on every state table. */
export const NATIVE_TTL_ATTRIBUTE = 'expiresAt';

/** Expiry attributes for an entry written at `now`; empty when the state has no TTL. */
export function expiryAttributes(ttl: StateTtlConfig | undefined, now: number): Attributes {
  if (!ttl) return {};
  const exp = now + ttl.ttlMs;
  return { exp, [NATIVE_TTL_ATTRIBUTE]: Math.ceil(exp / 1000) };
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
