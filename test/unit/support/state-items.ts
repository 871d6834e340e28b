/**
 * Finding a key's items among a run's keyed state without depending on how the engine spells a
 * key in its state partition (the key as given, or its JSON), nor on which backend keeps it
 * (per-key items in the store, or each shard's log-structured state, restored read-only).
 */
import type { Plan } from '../../../lib/plan/plan.ts';
import { keyedStateItems, type InspectServices } from '../../../lib/runtime/inspect.ts';
import type { Item } from '../../../lib/state/store.ts';
import { statePartition } from '../../../lib/state/keys.ts';

export function keyPartitions(operatorUid: string, key: string | number): Set<string> {
  return new Set([statePartition(operatorUid, String(key)), statePartition(operatorUid, JSON.stringify(key))]);
}

/** Every keyed state and timer item of a run (`replayInMemory`'s result, or anything with its store, streams and plan). */
export async function stateDump(run: InspectServices & { plan: Plan }): Promise<Item[]> {
  return keyedStateItems(run, run.plan);
}

/** Every state item of one key of one operator. */
export function stateItemsOf(items: Item[], operatorUid: string, key: string | number): Item[] {
  const pks = keyPartitions(operatorUid, key);
  return items.filter((i) => pks.has(i.pk));
}

/** The item of one key with this sort key, if any. */
export function stateItem(items: Item[], operatorUid: string, key: string | number, sk: string): Item | undefined {
  return stateItemsOf(items, operatorUid, key).find((i) => i.sk === sk);
}

/** The JSON value stored in an item's `v`, or undefined without an item. */
export function storedValue(item: Item | undefined): unknown {
  return item ? JSON.parse(String(item.attrs.v)) : undefined;
}
