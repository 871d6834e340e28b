import type { GraphNode, JobGraph } from './graph.ts';
import { resourceNames, sourceStageId, type EventSourceSettings, type Plan, type PlanOutput, type PlanStage, type PlanStream } from './plan.ts';
import { internalStreamMode } from './stream-mode.ts';

/**
 * Cuts a job graph into stages: one per source and one per keyed operator; stateless
 * operators, side outputs and sinks chain into the stage that precedes them.
 *
 * @example
 * ```ts
 * const plan = planJob(job.graph);
 * console.log(plan.stages.map((s) => s.id)); // ['source-orders', 'order-timeout']
 * ```
 */
/** Where a print sink writes: the function's log, no resource. */
const PRINT_TARGET = 'log';

export function planJob(graph: JobGraph): Plan {
  const job = graph.name;
  const entries = graph.nodes.filter((n) => n.kind === 'source' || n.kind === 'process');
  if (!entries.some((n) => n.kind === 'source')) throw new Error(`job ${job} has no source`);
  for (const n of graph.nodes) {
    if (n.kind === 'source' && !n.watermarks.timestampAssigner) {
      throw new Error(`source ${n.source.name}: its watermark strategy needs withTimestampAssigner (in fromSource, or assignTimestampsAndWatermarks on the stream fromSource returns)`);
    }
  }

  const stages: PlanStage[] = entries.map((entry) => {
    const id = entry.kind === 'source' ? sourceStageId(entry.source.name) : (entry as Extract<GraphNode, { kind: 'process' }>).uid;
    const input =
      entry.kind === 'source'
        ? { stream: entry.source.streamName ?? resourceNames.sourceStream(job, entry.source.name), shards: entry.source.shards, source: entry.source.name }
        : { stream: resourceNames.stageStream(job, id), shards: (entry as Extract<GraphNode, { kind: 'process' }>).parallelism ?? graph.options.parallelism };
    return {
      id,
      kind: entry.kind === 'source' ? 'source' : 'keyed',
      input,
      entryNode: entry.id,
      nodes: [],
      outputs: [],
      upstream: [],
      stateful: entry.kind === 'process',
      ...(entry.kind === 'process' && { stateBackend: entry.stateBackend ?? graph.options.stateBackend }),
      batchSize: graph.options.batchSize,
      eventSource: eventSourceSettings(graph, entry),
    };
  });
  const stageIds = new Set<string>();
  for (const s of stages) {
    if (stageIds.has(s.id)) throw new Error(`job ${job}: two stages named "${s.id}" (give operators distinct uids)`);
    stageIds.add(s.id);
  }
  const stageOfEntry = new Map(stages.map((s) => [s.entryNode, s]));

  for (const stage of stages) {
    const visit = (node: GraphNode) => {
      if (stage.nodes.includes(node.id)) return; // reached again through a union
      stage.nodes.push(node.id);
      if (node.kind === 'keyBy' || node.kind === 'forward' || node.kind === 'broadcast') {
        // A repartitioning edge: the stage ends here and sends to the next one.
        const consumers = graph.consumers(node.id);
        const target = consumers.length === 1 && consumers[0].kind === 'process' ? stageOfEntry.get(consumers[0].id) : undefined;
        if (!target) throw new Error(`job ${job}: ${node.kind} (node ${node.id}) must be followed by exactly one process()`);
        const second = (consumers[0] as Extract<GraphNode, { kind: 'process' }>).other === node.id;
        const route = node.kind === 'keyBy' ? {} : { route: node.kind };
        stage.outputs.push({ kind: 'stage', viaNode: node.id, stage: target.id, stream: target.input.stream, ...(second ? { input: 2 as const } : {}), ...route });
        if (!target.upstream.includes(stage.id)) target.upstream.push(stage.id);
        return;
      }
      if (node.kind === 'sink') {
        const sink = node.sink;
        const target = sink.kind === 'print' ? PRINT_TARGET : ((sink.kind === 'kinesis' ? sink.streamName : sink.tableName) ?? resourceNames.sinkTarget(job, sink.name));
        stage.outputs.push({ kind: 'sink', viaNode: node.id, sink: sink.name, sinkKind: sink.kind, target });
        return;
      }
      const consumers = graph.consumers(node.id).filter((c) => c.kind !== 'process');
      if (consumers.length === 0 && node.kind !== 'process' && node.kind !== 'source') {
        throw new Error(`job ${job}: the output of node ${node.id} (${node.kind}) goes nowhere; add a sink`);
      }
      consumers.forEach(visit);
    };
    visit(graph.node(stage.entryNode));
  }

  // One sink node may be reached from several stages (after a union or a CoProcessFunction); two nodes may not share a name.
  const sinkNodes = new Map<string, number>();
  for (const out of stages.flatMap((s) => s.outputs)) {
    if (out.kind !== 'sink') continue;
    if ((sinkNodes.get(out.sink) ?? out.viaNode) !== out.viaNode) throw new Error(`job ${job}: two sinks named "${out.sink}"`);
    sinkNodes.set(out.sink, out.viaNode);
  }

  const stateful = stages.filter((s) => s.stateful).map((s) => s.id);
  return {
    job,
    options: graph.options,
    stages,
    streams: [
      ...stages.map((s) => stageStream(graph, s)),
      ...sinkOutputs(stages, 'kinesis').map((o): PlanStream => ({ name: o.target, shards: 1, role: 'sink', of: o.sink, mode: 'provisioned' })),
    ],
    tables: [
      { name: resourceNames.stateTable(job), role: 'state', of: job },
      { name: resourceNames.deadLetterTable(job), role: 'dead-letter', of: job },
      ...sinkOutputs(stages, 'dynamodb').map((o) => ({ name: o.target, role: 'sink' as const, of: o.sink })),
    ],
    sweep: stateful.length > 0 ? { stages: stateful, schedule: 'rate(1 minute)' } : undefined,
  };
}

/**
 * A stage's event source mapping from the job's options and the stage's own settings on its
 * entry node (Lambda's limits are checked where it is deployed: serverless.ts).
 */
function eventSourceSettings(graph: JobGraph, entry: GraphNode): EventSourceSettings {
  const o = graph.options;
  const source = entry.kind === 'source';
  const ownWindow = source ? entry.source.batchingWindowSeconds : entry.kind === 'process' ? entry.batchingWindowSeconds : undefined;
  return {
    maximumBatchingWindowInSeconds: ownWindow ?? o.maximumBatchingWindowInSeconds,
    parallelizationFactor: 1,
    bisectBatchOnFunctionError: o.bisectBatchOnFunctionError,
    maximumRetryAttempts: o.maximumRetryAttempts,
    maximumRecordAgeInSeconds: o.maximumRecordAgeInSeconds,
    startingPosition: source ? o.startingPosition : 'TRIM_HORIZON',
  };
}

/** A stage's input stream; an internal one in the capacity mode the job's options give it at the planned rate. */
function stageStream(graph: JobGraph, stage: PlanStage): PlanStream {
  const { stream: name, shards } = stage.input;
  if (stage.kind === 'source') return { name, shards, role: 'source', of: stage.id, mode: 'provisioned' };
  const mode = internalStreamMode(graph.options.internalStreamMode, { eventsPerSecond: graph.options.plannedEventsPerSecond, shards });
  return { name, shards, role: 'internal', of: stage.id, mode };
}

/** Each sink of this kind once, though several stages may write it. */
function sinkOutputs(stages: PlanStage[], kind: 'kinesis' | 'dynamodb') {
  const sinks = stages.flatMap((s) => s.outputs).filter((o): o is Extract<PlanOutput, { kind: 'sink' }> => o.kind === 'sink' && o.sinkKind === kind);
  return sinks.filter((o, i) => sinks.findIndex((x) => x.sink === o.sink) === i);
}
