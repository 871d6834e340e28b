/**
 * The fluent side of broadcast state: `stream.broadcast(descriptor)` and the connected streams
 * it makes with a main stream (see broadcast.ts for the functions).
 */
import type { JobGraph } from '../plan/graph.ts';
import type { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from './broadcast.ts';
import type { StageOptions } from './stage-options.ts';
import type { MapStateDescriptor } from './state-descriptors.ts';
import { ProcessedStream } from './stream.ts';

/**
 * A stream whose every element goes to every shard of the stage it is connected to (Flink
 * `BroadcastStream`), declaring the broadcast state that stage keeps.
 *
 * @example
 * ```ts
 * const products = new MapStateDescriptor<string, Product>('products');
 * const productChanges = changes.broadcast(products);
 * events.connect(productChanges).process(new Enrich(), { uid: 'enrich' });
 * ```
 */
export class BroadcastStream<T> {
  declare readonly __type?: T;
  constructor(readonly graph: JobGraph, readonly nodeId: number, readonly descriptors: readonly MapStateDescriptor<any, any>[]) {}
}

/** Options of a broadcast connect's `process`. */
export interface BroadcastProcessOptions extends StageOptions {
  /** Names the operator's state; keep it stable across job versions. Shards: `setParallelism` on the result. */
  uid?: string;
}

/** A main stream connected with a broadcast stream (Flink `BroadcastConnectedStream`). */
export class BroadcastConnectedStream<IN1, IN2> {
  private bootstrap: ((value: IN2) => boolean) | undefined;

  /** @param mainEdge the graph node that carries the main stream to the stage (a keyBy or a forward). */
  constructor(private readonly graph: JobGraph, private readonly mainEdge: number, private readonly broadcastNode: number, private readonly keyed: boolean) {}

  /**
   * Declares that the main input waits for the broadcast side's bootstrap: until a shard has
   * processed a broadcast element for which `isComplete` is true, main-stream records that
   * reach it are held in state; then they are processed, in arrival order, against the whole
   * table. Nothing is processed against a half-loaded table and nothing is lost: records
   * still held at the end of input are dead-lettered with the reason.
   *
   * @example
   * ```ts
   * events.connect(products.broadcast(table))
   *   .waitForBootstrap((c) => c.type === 'bootstrap-complete')
   *   .process(new Enrich(), { uid: 'enrich' });
   * ```
   */
  waitForBootstrap(isComplete: (value: IN2) => boolean): this {
    this.bootstrap = isComplete;
    return this;
  }

  /** Runs a {@link BroadcastProcessFunction} (main stream not keyed) or {@link KeyedBroadcastProcessFunction} (keyed). */
  process<O>(fn: BroadcastProcessFunction<IN1, IN2, O> | KeyedBroadcastProcessFunction<any, IN1, IN2, O>, options: BroadcastProcessOptions = {}): ProcessedStream<O> {
    if (this.keyed !== (fn.broadcastKind === 'keyed')) {
      throw new Error(this.keyed ? 'a keyed stream connected with a broadcast stream takes a KeyedBroadcastProcessFunction' : 'a stream that is not keyed, connected with a broadcast stream, takes a BroadcastProcessFunction (keyBy first for a KeyedBroadcastProcessFunction)');
    }
    const uid = options.uid ?? `broadcast-process-${this.graph.nodes.length}`;
    if (!/^[A-Za-z0-9_-]+$/.test(uid)) throw new Error(`operator uid must match [A-Za-z0-9_-]+, got "${uid}"`);
    const id = this.graph.add({ kind: 'process', input: this.mainEdge, other: this.broadcastNode, fn, uid, bootstrap: this.bootstrap, batchingWindowSeconds: options.batchingWindowSeconds });
    return new ProcessedStream<O>(this.graph, id);
  }
}
