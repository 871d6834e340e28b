/**
 * Reading a keyed stage's state and timers from outside the stage (the CLI, status displays,
 * tests), whichever backend keeps them: per-key items are the store itself; log-structured
 * state is restored, read-only, shard by shard from each open shard's checkpoint — exactly what
 * a container would restore.
 */
import type { Job } from '../api/job.ts';
import type { AnyStateDescriptor } from '../api/state-descriptors.ts';
import { stageById, type Plan } from '../plan/plan.ts';
import { statePartition } from '../state/keys.ts';
import { shardLayout } from '../state/log/layout.ts';
import { restoreLineage } from '../state/log/restore.ts';
import { ShardState } from '../state/log/shard-state.ts';
import { itemId, type Item, type KeyValueStore, type StateReader } from '../state/store.ts';
import { timerOfItem, timerPartitionKey, type Timer } from '../time/timer-items.ts';
import { readStageCheckpoints } from './checkpoint.ts';
import { encodeKey } from './keys.ts';
import { inheritCheckpoint } from './resharding.ts';
import type { StreamClient } from './stream-client.ts';
import { StageTask, type RuntimeServices } from './task.ts';

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

/** One stored state entry of a key: a value, a list, or one entry of a map. */
export interface StateEntry {
  state: string;
  kind: AnyStateDescriptor['kind'] | 'unknown';
  /** `-` outside windows; a window's namespace inside one. */
  namespace: string;
  /** Map state: the entry's user key. */
  mapKey?: unknown;
  value: unknown;
  /** TTL: when the entry expires, in the job's processing time (epoch ms). */
  expiresAt?: number;
  /** TTL: DynamoDB's native expiry attribute (epoch seconds), the table's backstop. */
  nativeExpiresAt?: number;
}

/**
 * Every state item of `key` in the keyed operator of `stageId`, decoded with the operator's
 * state descriptors (opened as a Lambda container would open them). List elements under TTL
 * carry their own expiry, shown as `[value, expiresAt]` pairs.
 *
 * @example
 * ```ts
 * const entries = await readKeyState(job, plan, services, 'order-timeout', 'o-1');
 * ```
 */
export async function readKeyState(job: Job, plan: Plan, services: RuntimeServices, stageId: string, key: string | number): Promise<{ partition: string; entries: StateEntry[] }> {
  const stage = stageById(plan, stageId);
  if (stage.kind !== 'keyed') throw new Error(`stage ${stageId} keeps no keyed state (keyed stages: ${plan.stages.filter((s) => s.kind === 'keyed').map((s) => s.id).join(', ') || 'none'})`);
  const task = await StageTask.create(job, stageId, 'inspect', services, plan);
  const operator = task.chain.keyed!;
  // Longest names first, so that a state named `a#b` is not taken for `a` in namespace `b#...`.
  const descriptors = [...operator.descriptors].sort((a, b) => b.name.length - a.name.length);
  const partition = statePartition(operator.operatorUid, encodeKey(key));
  const items = await (await stageStateView(services, plan, stageId)).query('state', partition);
  return { partition, entries: items.map((item) => decodeEntry(item, descriptors)) };
}

function decodeEntry(item: Item, descriptors: AnyStateDescriptor[]): StateEntry {
  const d = descriptors.find((x) => item.sk.startsWith(`${x.name}#`));
  const rest = d ? item.sk.slice(d.name.length + 1) : item.sk.slice(item.sk.indexOf('#') + 1);
  const isMapEntry = item.attrs.k !== undefined;
  const mapKeyText = isMapEntry ? String(item.attrs.k) : undefined;
  const entry: StateEntry = {
    state: d?.name ?? item.sk.slice(0, Math.max(0, item.sk.indexOf('#'))),
    kind: d?.kind ?? 'unknown',
    namespace: mapKeyText !== undefined && rest.endsWith(`#${mapKeyText}`) ? rest.slice(0, -mapKeyText.length - 1) : rest,
    value: parse(item.attrs.v),
  };
  if (mapKeyText !== undefined) entry.mapKey = parse(mapKeyText);
  if (item.attrs.exp !== undefined) entry.expiresAt = Number(item.attrs.exp);
  if (item.attrs.expiresAt !== undefined) entry.nativeExpiresAt = Number(item.attrs.expiresAt);
  return entry;
}

function parse(value: unknown): unknown {
  try {
    return JSON.parse(String(value));
  } catch {
    return value;
  }
}

/**
 * The pending timers of the given stages (all their timer partitions), by time then key.
 *
 * @example
 * ```ts
 * const timers = await listTimers(plan, services, ['order-timeout']);
 * ```
 */
export async function listTimers(plan: Plan, services: InspectServices, stageIds: string[], key?: string | number): Promise<(Timer & { stage: string })[]> {
  const out: (Timer & { stage: string })[] = [];
  const encoded = key === undefined ? undefined : encodeKey(key);
  for (const stage of stageIds) {
    for (const item of await stageTimerItems(services, plan, stage)) {
      const timer = timerOfItem(item);
      if (encoded === undefined || timer.key === encoded) out.push({ ...timer, stage });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || a.stage.localeCompare(b.stage) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
