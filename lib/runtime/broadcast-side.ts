/**
 * The broadcast input of a stage (Flink's broadcast state pattern), kept beside its keyed
 * operator: the shard's copy of the broadcast state, and the bootstrap gate that holds main
 * records until the broadcast side's table is complete.
 *
 * Each shard keeps its own copy under a key of its own (`#b@<shard>`), built from the broadcast
 * elements in the order that shard received them, so that a shard's main records always see
 * the table as of their place in that shard's input, whatever the other shards have reached.
 */
import type { ReadOnlyBroadcastState } from '../api/broadcast.ts';
import type { AnyStateDescriptor, MapStateDescriptor } from '../api/state-descriptors.ts';
import type { MapState, ValueState } from '../api/state.ts';
import { createStateHandle, type KeyScope } from '../state/handles.ts';
import { stateItemKey, VOID_NAMESPACE } from '../state/keys.ts';
import type { Item, ItemKey } from '../state/store.ts';

/** A shard a stage shard was split or merged from, with its own parents. */
export interface Ancestor {
  shardId: string;
  parents: Ancestor[];
}

/** A main-stream record held until the bootstrap completes. */
export interface HeldRecord {
  key: string;
  ts: number;
  value: unknown;
}

/** The key under which a shard keeps its broadcast state and held records; never a JSON key. */
export function broadcastKeyOf(shardId: string): string {
  return `#b@${shardId}`;
}

/** Internal state names start with `$`, which user state names cannot. */
const BOOTSTRAPPED = '$bootstrapped';
const HELD = '$held';
const NEXT_HELD = '$heldNext';
/** Set once a shard born of a split or merge has taken over its parents' broadcast state. */
const INHERITED = '$inherited';
const internal = (kind: 'value' | 'map', name: string) => ({ kind, name, ttl: undefined }) as unknown as AnyStateDescriptor;

/**
 * The broadcast state handles and the bootstrap gate of one stage shard.
 *
 * @example
 * ```ts
 * const side = new BroadcastSide(scope, 'shardId-000000000000', [products], isComplete);
 * if (await side.mustHold()) await side.hold({ key, ts, value });
 * ```
 */
export class BroadcastSide {
  readonly key: string;
  private readonly states = new Map<string, MapState<string | number, unknown>>();
  private readonly bootstrapped: ValueState<boolean>;
  private readonly held: MapState<number, HeldRecord>;
  private readonly nextHeld: ValueState<number>;
  private readonly inherited: ValueState<boolean>;

  constructor(
    keyedScope: KeyScope,
    shardId: string,
    descriptors: readonly MapStateDescriptor<any, any>[],
    private readonly completesBootstrap: ((value: unknown) => boolean) | undefined,
  ) {
    this.key = broadcastKeyOf(shardId);
    const scope: KeyScope = Object.create(keyedScope, { currentKey: { value: () => this.key } });
    for (const d of descriptors) {
      if (this.states.has(d.name)) throw new Error(`broadcast state "${d.name}" is declared twice`);
      this.states.set(d.name, createStateHandle(scope, d) as MapState<string | number, unknown>);
    }
    this.bootstrapped = createStateHandle(scope, internal('value', BOOTSTRAPPED)) as ValueState<boolean>;
    this.held = createStateHandle(scope, internal('map', HELD)) as MapState<number, HeldRecord>;
    this.nextHeld = createStateHandle(scope, internal('value', NEXT_HELD)) as ValueState<number>;
    this.inherited = createStateHandle(scope, internal('value', INHERITED)) as ValueState<boolean>;
  }

  /**
   * A shard born of a split or merge starts with its parents' broadcast state (it got no
   * broadcast element before it existed) and takes the records they still held whose keys it
   * now owns. Parents are read to their end before a child starts, so their state is final;
   * after a merge both parents hold the same table (every shard gets every broadcast element).
   *
   * The parents' copies of the table stay (a split's other child needs them too): one copy per
   * retired shard, as small as the table.
   *
   * @param ancestors the parents, each with its own parents (a parent that never ran has no state of its own)
   */
  async inherit(ancestors: Ancestor[], io: { partitionOf(shardId: string): Promise<Item[]>; owns(key: string): boolean; drop(item: ItemKey): void }): Promise<void> {
    if (ancestors.length === 0 || (await this.inherited.value())) return;
    const held: HeldRecord[] = [];
    let tableTaken = false;
    const visited = new Set<string>();
    const visit = async (a: Ancestor): Promise<void> => {
      if (visited.has(a.shardId)) return; // both sides of a merge may lead back to one grandparent
      visited.add(a.shardId);
      const items = await io.partitionOf(a.shardId);
      if (items.length === 0) {
        for (const p of a.parents) await visit(p);
        return;
      }
      for (const item of items) {
        const name = item.sk.slice(0, item.sk.indexOf('#'));
        const value = JSON.parse(String(item.attrs.v));
        if (name === HELD) {
          // Exactly one child owns a held record's key: it takes the record over (and away from the parent).
          if (io.owns((value as HeldRecord).key)) {
            held.push(value as HeldRecord);
            io.drop({ table: item.table, pk: item.pk, sk: item.sk });
          }
        } else if (!tableTaken && name === BOOTSTRAPPED) await this.bootstrapped.update(value as boolean);
        else if (!tableTaken && this.states.has(name)) await this.states.get(name)!.put(JSON.parse(String(item.attrs.k)), value);
      }
      tableTaken = true;
    };
    for (const a of ancestors) await visit(a);
    for (const record of held) await this.hold(record);
    await this.inherited.update(true);
  }

  /** The single items to preload with every batch (held records are read only on release). */
  preloadKeys(operatorUid: string): ItemKey[] {
    return [BOOTSTRAPPED, NEXT_HELD, INHERITED].map((name) => stateItemKey(operatorUid, this.key, name, VOID_NAMESPACE));
  }

  /** The read-write broadcast state of `descriptor` (declared with `broadcast(...)`). */
  state<K extends string | number, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V> {
    const state = this.states.get(descriptor.name);
    if (!state) throw new Error(`broadcast state "${descriptor.name}" is not declared: pass its descriptor to broadcast(...) (declared: ${[...this.states.keys()].join(', ')})`);
    return state as MapState<K, V>;
  }

  /** The same state, read only (what `processElement` gets). */
  readOnly<K extends string | number, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    const s = this.state(descriptor);
    return { get: (k) => s.get(k), contains: (k) => s.contains(k), entries: () => s.entries(), keys: () => s.keys(), values: () => s.values(), isEmpty: () => s.isEmpty() };
  }

  /** True while main records must wait: the job declared a bootstrap that this shard has not seen complete. */
  async mustHold(): Promise<boolean> {
    return this.completesBootstrap !== undefined && !(await this.bootstrapped.value());
  }

  /** Keeps a main record, after those held before it. */
  async hold(record: HeldRecord): Promise<void> {
    const n = (await this.nextHeld.value()) ?? 0;
    await this.held.put(n, record);
    await this.nextHeld.update(n + 1);
  }

  /** After a broadcast element was processed: true when it completed the bootstrap just now. */
  async afterBroadcast(value: unknown): Promise<boolean> {
    if (!this.completesBootstrap || !this.completesBootstrap(value) || (await this.bootstrapped.value())) return false;
    await this.bootstrapped.update(true);
    return true;
  }

  /** Removes and returns the held records, in arrival order. */
  async takeHeld(): Promise<HeldRecord[]> {
    const entries = await this.held.entries();
    await this.held.clear();
    await this.nextHeld.clear();
    return entries.map(([, record]) => record);
  }
}
