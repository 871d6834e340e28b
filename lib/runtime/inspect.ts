/**
 * Reading a keyed stage's state and timers from outside the stage (the CLI, status displays,
 * tests), whichever backend keeps them: per-key items are the store itself; log-structured
 * state is restored, read-only, shard by shard from each open shard's checkpoint — exactly what
 * a container would restore.
 */
import { stageById, type Plan } from '../plan/plan.ts';
import { statePartition } from '../state/keys.ts';
import { shardLayout } from '../state/log/layout.ts';
import { restoreLineage } from '../state/log/restore.ts';
import { ShardState } from '../state/log/shard-state.ts';
import { itemId, type Item, type KeyValueStore, type StateReader } from '../state/store.ts';
import { timerPartitionKey } from '../time/timer-items.ts';
import { readStageCheckpoints } from './checkpoint.ts';
import { inheritCheckpoint } from './resharding.ts';
import type { StreamClient } from './stream-client.ts';

/** What reading state from outside needs. */
export interface InspectServices {
  store: KeyValueStore;
  streams: Pick<StreamClient, 'listShards'>;
}

/**
 * The state and timers of a keyed stage as one reader: the store (per-key items), or the
 * union of its open shards' log-structured states (their keys are disjoint).
 *
 * @example
 * ```ts
 * const view = await stageStateView(services, plan, 'order-timeout');
 * await view.query('state', statePartition('order-timeout', 'o-1'));
 * ```
 */
export async function stageStateView(services: InspectServices, plan: Plan, stageId: string): Promise<StateReader> {
  const stage = stageById(plan, stageId);
  if (stage.kind !== 'keyed' || stage.stateBackend !== 'log') return services.store;
  const stored = new Map((await readStageCheckpoints(services.store, stage.id)).map((c) => [c.shard, c.checkpoint]));
  const listing = await services.streams.listShards(stage.input.stream, { fresh: true });
  const view = new ShardState(0);
  for (const shard of listing.filter((s) => !s.closed)) {
    const cp = stored.get(shard.shardId) ?? inheritCheckpoint(shard, listing, (id) => stored.get(id));
    const layout = shardLayout(plan, stage.id, shard.shardId);
    const state = await restoreLineage(services.store, layout, cp?.state, { items: 0, bytes: 0 });
    view.apply([...state.items()], []);
  }
  return view;
}

/**
 * Every keyed state and timer item of every keyed stage of a plan (tests, diagnostics).
 *
 * @example
 * ```ts
 * const items = await keyedStateItems(services, plan);
 * items.filter((i) => i.pk.startsWith('t#')); // pending timers
 * ```
 */
export async function keyedStateItems(services: InspectServices, plan: Plan): Promise<Item[]> {
  const found = new Map<string, Item>();
  for (const stage of plan.stages.filter((s) => s.kind === 'keyed')) {
    const view = await stageStateView(services, plan, stage.id);
    for (const pkPrefix of [statePartition(stage.id, ''), `t#${stage.id}#`]) {
      for (const item of await view.scan('state', { pkPrefix })) found.set(itemId(item), item);
    }
  }
  return [...found.values()];
}

/**
 * How many timers a stage has pending (all shards); for status displays and the CLI.
 *
 * @example
 * ```ts
 * await countPendingTimers(services, plan, 'order-timeout'); // 42
 * ```
 */
export async function countPendingTimers(services: InspectServices, plan: Plan, stageId: string): Promise<number> {
  return (await stageTimerItems(services, plan, stageId)).length;
}

/**
 * The timer items of a stage: a Query per timer partition of the store, or the timers of the
 * log-structured view.
 *
 * @example
 * ```ts
 * (await stageTimerItems(services, plan, 'order-timeout')).map(timerOfItem);
 * ```
 */
export async function stageTimerItems(services: InspectServices, plan: Plan, stageId: string): Promise<Item[]> {
  const view = await stageStateView(services, plan, stageId);
  if (view instanceof ShardState) return view.scan('state', { pkPrefix: `t#${stageId}#` });
  const items: Item[] = [];
  for (let p = 0; p < plan.options.timerPartitions; p++) items.push(...(await services.store.query('state', timerPartitionKey(stageId, p))));
  return items;
}
