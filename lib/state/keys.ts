/**
 * Where keyed state lives in the state table. A key's states share one partition
 * (`s#<operator>#<key>`), so a batch can read them with BatchGetItem; each map entry is its
 * own item under the map's sort-key prefix, so a large map is never read whole.
 */
import type { ItemKey } from './store.ts';

/** The namespace of state outside any window. */
export const VOID_NAMESPACE = '-';

export function statePartition(operatorUid: string, key: string): string {
  return `s#${operatorUid}#${key}`;
}

export function stateItemKey(operatorUid: string, key: string, stateName: string, namespace: string): ItemKey {
  return { table: 'state', pk: statePartition(operatorUid, key), sk: `${stateName}#${namespace}` };
}

export function mapEntryPrefix(stateName: string, namespace: string): string {
  return `${stateName}#${namespace}#`;
}

export function mapEntryKey(operatorUid: string, key: string, stateName: string, namespace: string, userKey: string | number): ItemKey {
  return { table: 'state', pk: statePartition(operatorUid, key), sk: mapEntryPrefix(stateName, namespace) + JSON.stringify(userKey) };
}
