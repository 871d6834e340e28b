import type { JobGraph } from './graph.ts';
import type { Plan, PlanStage, PlanStream } from './plan.ts';
import { ON_DEMAND_INITIAL_SHARDS, provisionedCarries, streamCostPerHour, type StreamCapacityMode } from './stream-mode.ts';

/**
 * Renders a plan as text for `eddy plan`: stages, what is chained in each, where outputs go,
 * and the resources the plan derives.
 *
 * @example
 * ```ts
 * console.log(describePlan(planJob(job.graph), job.graph));
 * ```
 */
export function describePlan(plan: Plan, graph: JobGraph): string {
  const lines = [`job ${plan.job}`];
  for (const stage of plan.stages) {
    lines.push('', `stage ${stage.id} (${stage.kind}${stage.stateful ? ', keyed state + timers' : ''})`);
    lines.push(`  reads   ${stage.input.stream} (${shardCount(stage.input.shards)}, ${batching(stage)})`);
    lines.push(`  chain   ${stage.nodes.map((id) => nodeLabel(graph, id)).join(' -> ')}`);
    for (const out of stage.outputs) {
      lines.push(out.kind === 'stage' ? `  emits   ${out.route ?? 'keyBy'} -> stage ${out.stage}${out.input === 2 ? ' (input 2)' : ''} via ${out.stream}` : `  sink    ${out.sink} -> ${out.sinkKind} ${out.target}`);
    }
  }
  lines.push('', 'resources');
  for (const s of plan.streams) lines.push(`  stream  ${s.name} (${s.role === 'internal' ? internalStream(plan, s) : `${shardCount(s.shards)}, ${s.role} of ${s.of}`})`);
  for (const t of plan.tables) lines.push(`  table   ${t.name} (${t.role})`);
  if (plan.sweep) lines.push(`  sweep   ${plan.sweep.schedule} for ${plan.sweep.stages.join(', ')}`);
  return lines.join('\n');
}

const shardCount = (n: number) => `${n} shard${n === 1 ? '' : 's'}`;

/** `batch 100`, and the batching window when the stage waits to fill its batches. */
function batching(stage: PlanStage): string {
  const window = stage.eventSource.maximumBatchingWindowInSeconds;
  return `batch ${stage.batchSize}${window > 0 ? `, window ${window} s` : ''}`;
}

/**
 * An internal stream: its mode, and the estimated hourly cost of both modes at the planned rate
 * (what `internalStreamMode: 'auto'` compares), e.g.
 * `2 shards, provisioned, internal of count; ~$0.0301/h, on-demand ~$0.0482/h at 100 events/s`.
 */
function internalStream(plan: Plan, s: PlanStream): string {
  const load = { eventsPerSecond: plan.options.plannedEventsPerSecond, shards: s.shards };
  const cost = (mode: StreamCapacityMode) => `~$${streamCostPerHour(mode, load).toFixed(4)}/h`;
  const other: StreamCapacityMode = s.mode === 'provisioned' ? 'on-demand' : 'provisioned';
  const size = s.mode === 'provisioned' ? `${shardCount(s.shards)}, provisioned` : `on-demand: ${ON_DEMAND_INITIAL_SHARDS} shards to start on AWS, ${shardCount(s.shards)} locally`;
  const tooFew = provisionedCarries(load) ? '' : `; ${shardCount(s.shards)} provisioned cannot take that rate`;
  return `${size}, internal of ${s.of}; ${cost(s.mode)}, ${other} ${cost(other)} at ${load.eventsPerSecond} events/s${tooFew}`;
}

/**
 * A graph node as the plan printouts name it.
 *
 * @example
 * ```ts
 * nodeLabel(job.graph, stage.entryNode); // 'source(orders)', 'process(order-timeout)', 'map "parse"' (with .name('parse')), ...
 * ```
 */
export function nodeLabel(graph: JobGraph, id: number): string {
  const name = graph.names.get(id);
  return name === undefined ? kindLabel(graph, id) : `${kindLabel(graph, id)} "${name}"`;
}

function kindLabel(graph: JobGraph, id: number): string {
  const node = graph.node(id);
  switch (node.kind) {
    case 'source':
      return `source(${node.source.name})`;
    case 'process':
    case 'processFn':
    case 'coProcessFn':
      return `process(${node.uid})`;
    case 'sideOutput':
      return `sideOutput(${node.tag.id})`;
    case 'sink':
      return `sink(${node.sink.name})`;
    default:
      return node.kind;
  }
}
