import type { Plan } from '../plan/plan.ts';
import type { KeyValueStore } from '../state/store.ts';
import { timerPartitionKey } from '../time/timer-items.ts';

/**
 * How many timers a stage has pending (all shards); for status displays and the CLI.
 *
 * @example
 * ```ts
 * await countPendingTimers(store, plan, 'order-timeout'); // 42
 * ```
 */
export async function countPendingTimers(store: KeyValueStore, plan: Plan, stageId: string): Promise<number> {
  let n = 0;
  for (let p = 0; p < plan.options.timerPartitions; p++) n += (await store.query('state', timerPartitionKey(stageId, p))).length;
  return n;
}
