/**
 * Finding a key's items in a store dump without depending on how the engine spells a key in
 * its state partition (the key as given, or its JSON): the sort keys are what tests check.
 */
import type { MemoryStore } from '../../../lib/state/memory-store.ts';
import type { Item } from '../../../lib/state/store.ts';
import { statePartition } from '../../../lib/state/keys.ts';

export function keyPartitions(operatorUid: string, key: string | number): Set<string> {
  return new Set([statePartition(operatorUid, String(key)), statePartition(operatorUid, JSON.stringify(key))]);
}

/** Every state item of one key of one operator. */
export function stateItemsOf(store: MemoryStore, operatorUid: string, key: string | number): Item[] {
  const pks = keyPartitions(operatorUid, key);
  return store.dump('state').filter((i) => pks.has(i.pk));
}

/** The item of one key with this sort key, if any. */
export function stateItem(store: MemoryStore, operatorUid: string, key: string | number, sk: string): Item | undefined {
  return stateItemsOf(store, operatorUid, key).find((i) => i.sk === sk);
}

/** The JSON value stored in an item's `v`, or undefined without an item. */
export function storedValue(item: Item | undefined): unknown {
  return item ? JSON.parse(String(item.attrs.v)) : undefined;
}
