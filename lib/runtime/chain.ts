import type { GraphNode, JobGraph } from '../plan/graph.ts';
import type { PlanStage } from '../plan/plan.ts';
import { KeyedOperator } from './keyed-operator.ts';
import type { BatchOutputs } from './outputs.ts';
import { BROADCAST_KEY } from './envelope.ts';
import { encodeKey } from './keys.ts';

/** Pushes a record with its event time into a chained operator. */
export type Push = (value: unknown, ts: number) => void;

/**
 * The operators of one stage wired together (Flink's operator chaining): stateless nodes are
 * plain function calls; a keyBy at the end of the chain turns records into envelopes for the
 * next stage; sinks collect outputs. Outputs go to the batch's {@link BatchOutputs}.
 *
 * @example
 * ```ts
 * const chain = new StageChain(graph, stage, () => outputs, 'shardId-000000000000');
 * chain.source!(order, order.ts);          // a source stage
 * await chain.keyed!.processElement(k, ts, v); // a keyed stage
 * ```
 */
export class StageChain {
  /** Entry of a source stage. */
  readonly source: Push | undefined;
  /** Entry of a keyed stage. */
  readonly keyed: KeyedOperator | undefined;
  /** Where this shard's records go on a forward edge: the key is the shard itself. */
  private readonly forwardKey: string;

  constructor(
    private readonly graph: JobGraph,
    private readonly stage: PlanStage,
    private readonly outputs: () => BatchOutputs,
    shardId: string,
  ) {
    this.forwardKey = encodeKey(shardId);
    const entry = graph.node(stage.entryNode);
    if (entry.kind === 'source') {
      this.source = this.fanOut(entry.id);
    } else if (entry.kind === 'process') {
      const sideTargets = new Map<string, Push[]>();
      for (const c of graph.consumers(entry.id)) {
        if (c.kind !== 'sideOutput') continue;
        const list = sideTargets.get(c.tag.id) ?? [];
        list.push(this.fanOut(c.id));
        sideTargets.set(c.tag.id, list);
      }
      const second = entry.other === undefined ? undefined : graph.node(entry.other);
      this.keyed = new KeyedOperator(
        entry.fn,
        { jobName: graph.name, stageId: stage.id, operatorUid: entry.uid, shardId },
        this.fanOut(entry.id, (n) => n.kind !== 'sideOutput'),
        (tagId, value, ts) => sideTargets.get(tagId)?.forEach((push) => push(value, ts)),
        second?.kind === 'broadcast' ? { descriptors: second.descriptors, bootstrap: entry.bootstrap } : undefined,
      );
    } else {
      throw new Error(`stage ${stage.id} starts with a ${entry.kind}`);
    }
  }

  /** A push that feeds every consumer of `nodeId` chained in this stage. */
  private fanOut(nodeId: number, accept: (n: GraphNode) => boolean = () => true): Push {
    const targets = this.graph
      .consumers(nodeId)
      .filter((n) => n.kind !== 'process' && accept(n))
      .map((n) => this.compile(n, nodeId));
    if (targets.length === 1) return targets[0];
    return (value, ts) => {
      for (const push of targets) push(value, ts);
    };
  }

  /** The collector and context of a function chained at `nodeId` (main output, side outputs), and the event time they stamp. */
  private chainedFunction(nodeId: number) {
    const main = this.fanOut(nodeId, (n) => n.kind !== 'sideOutput');
    const sides = new Map<string, Push>();
    for (const c of this.graph.consumers(nodeId)) if (c.kind === 'sideOutput') sides.set(c.tag.id, this.fanOut(c.id));
    const at = { ts: 0 };
    const ctx = { timestamp: () => at.ts, output: (tag: { id: string }, value: unknown) => sides.get(tag.id)?.(value, at.ts) };
    const out = { collect: (value: unknown) => main(value, at.ts) };
    return { at, ctx, out };
  }

  /** `from`: the node whose output feeds `node` here (a two-input node is fed by either). */
  private compile(node: GraphNode, from: number): Push {
    switch (node.kind) {
      case 'map': {
        const next = this.fanOut(node.id);
        return (v, ts) => next(node.fn(v), ts);
      }
      case 'filter': {
        const next = this.fanOut(node.id);
        return (v, ts) => {
          if (node.fn(v)) next(v, ts);
        };
      }
      case 'flatMap': {
        const next = this.fanOut(node.id);
        return (v, ts) => {
          for (const x of node.fn(v)) next(x, ts);
        };
      }
      case 'keyBy':
      case 'forward':
      case 'broadcast': {
        const out = this.stage.outputs.find((o) => o.kind === 'stage' && o.viaNode === node.id);
        if (!out || out.kind !== 'stage') throw new Error(`stage ${this.stage.id}: ${node.kind} node ${node.id} has no target stage`);
        if (node.kind === 'keyBy') return (v, ts) => this.outputs().toStage(out.stream, encodeKey(node.key(v)), ts, v, out.input);
        // Forward: keyed by this shard, so all of its records go to one shard of the next stage, in order.
        if (node.kind === 'forward') return (v, ts) => this.outputs().toStage(out.stream, this.forwardKey, ts, v, out.input);
        return (v, ts) => this.outputs().toStage(out.stream, BROADCAST_KEY, ts, v, out.input, true);
      }
      case 'processFn': {
        const { at, ctx, out } = this.chainedFunction(node.id);
        return (v, t) => {
          at.ts = t;
          node.fn.processElement(v, ctx, out);
        };
      }
      case 'coProcessFn': {
        // Chained on the side it is reached from: this stage holds one of the two inputs.
        const { at, ctx, out } = this.chainedFunction(node.id);
        const first = from === node.input;
        return (v, t) => {
          at.ts = t;
          if (first) node.fn.processElement1(v, ctx, out);
          else node.fn.processElement2(v, ctx, out);
        };
      }
      case 'sink':
        return (v) => this.outputs().toSink(node.sink.name, v);
      case 'sideOutput':
      case 'union':
        return this.fanOut(node.id);
      default:
        throw new Error(`stage ${this.stage.id}: cannot chain a ${node.kind}`);
    }
  }
}
