import type { JobGraph } from './graph.ts';
import type { Plan, PlanStage } from './plan.ts';

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
  for (const s of plan.streams) lines.push(`  stream  ${s.name} (${shardCount(s.shards)}, ${s.role} of ${s.of})`);
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
 * A graph node as the plan printouts name it.
 *
 * @example
 * ```ts
 * nodeLabel(job.graph, stage.entryNode); // 'source(orders)', 'process(order-timeout)', ...
 * ```
 */
export function nodeLabel(graph: JobGraph, id: number): string {
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
