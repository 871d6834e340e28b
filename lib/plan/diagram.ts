/**
 * A plan as a diagram for `eddy plan --format mermaid|dot`: stages (with their operator
 * chains) as boxes, the Kinesis streams between them as cylinders, sinks, and the sweep.
 * Both renderings come from one list of nodes and edges, so they always show the same graph.
 */
import { nodeLabel } from './describe.ts';
import type { JobGraph } from './graph.ts';
import type { Plan, PlanOutput } from './plan.ts';

interface DiagramNode {
  id: string;
  shape: 'stage' | 'stream' | 'sink' | 'sweep';
  lines: string[];
}

interface DiagramEdge {
  from: string;
  to: string;
  label?: string;
  dashed?: boolean;
}

function diagramOf(plan: Plan, graph: JobGraph): { nodes: DiagramNode[]; edges: DiagramEdge[] } {
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const streamIds = new Map<string, string>();
  const streamNode = (name: string) => {
    let id = streamIds.get(name);
    if (!id) {
      id = `q${streamIds.size}`;
      streamIds.set(name, id);
      const s = plan.streams.find((x) => x.name === name);
      nodes.push({ id, shape: 'stream', lines: [name, s ? `${s.shards} shard${s.shards === 1 ? '' : 's'}` : 'stream'] });
    }
    return id;
  };
  plan.stages.forEach((stage, i) => {
    const id = `s${i}`;
    nodes.push({ id, shape: 'stage', lines: [`${stage.id} (${stage.kind}${stage.stateful ? ', state + timers' : ''})`, stage.nodes.map((n) => nodeLabel(graph, n)).join(' → ')] });
    edges.push({ from: streamNode(stage.input.stream), to: id });
  });
  let sinks = 0;
  plan.stages.forEach((stage, i) => {
    for (const out of stage.outputs) {
      if (out.kind === 'stage') edges.push({ from: `s${i}`, to: streamNode(out.stream), label: routeOf(out) });
      else {
        const id = `k${sinks++}`;
        nodes.push({ id, shape: 'sink', lines: [`sink ${out.sink}`, `${out.sinkKind} ${out.target}`] });
        edges.push({ from: `s${i}`, to: id });
      }
    }
  });
  if (plan.sweep) {
    nodes.push({ id: 'sweep', shape: 'sweep', lines: ['sweep', plan.sweep.schedule] });
    for (const stage of plan.sweep.stages) edges.push({ from: 'sweep', to: `s${plan.stages.findIndex((s) => s.id === stage)}`, label: 'timers', dashed: true });
  }
  return { nodes, edges };
}

function routeOf(out: Extract<PlanOutput, { kind: 'stage' }>): string {
  const route = out.route === 'forward' ? 'forward' : out.route === 'broadcast' ? 'broadcast' : 'keyBy';
  return out.input === 2 ? `${route} (input 2)` : route;
}

/**
 * The plan as a Mermaid flowchart (renders on GitHub inside a ```mermaid block).
 *
 * @example
 * ```ts
 * console.log(planToMermaid(planJob(job.graph), job.graph));
 * // flowchart LR
 * //   s0["source-orders (source)<br/>source(orders) → keyBy"]
 * //   ...
 * ```
 */
export function planToMermaid(plan: Plan, graph: JobGraph): string {
  const { nodes, edges } = diagramOf(plan, graph);
  const text = (lines: string[]) => `"${lines.map((l) => l.replace(/"/g, '#quot;')).join('<br/>')}"`;
  const shape = (n: DiagramNode) => {
    const t = text(n.lines);
    return n.shape === 'stage' ? `[${t}]` : n.shape === 'stream' ? `[(${t})]` : n.shape === 'sink' ? `[/${t}/]` : `([${t}])`;
  };
  const out = ['flowchart LR', `  %% eddy plan of job ${plan.job}`];
  for (const n of nodes) out.push(`  ${n.id}${shape(n)}`);
  for (const e of edges) {
    const arrow = e.dashed ? '-.->' : '-->';
    out.push(`  ${e.from} ${arrow}${e.label ? `|"${e.label}"|` : ''} ${e.to}`);
  }
  return out.join('\n');
}

/**
 * The plan in Graphviz DOT (`eddy plan job --format dot | dot -Tsvg > plan.svg`).
 *
 * @example
 * ```ts
 * console.log(planToDot(planJob(job.graph), job.graph)); // digraph "order-timeout" { ... }
 * ```
 */
export function planToDot(plan: Plan, graph: JobGraph): string {
  const { nodes, edges } = diagramOf(plan, graph);
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const shapes = { stage: 'box, style=rounded', stream: 'cylinder', sink: 'parallelogram', sweep: 'ellipse, style=dashed' };
  const out = [`digraph ${quote(plan.job)} {`, '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const n of nodes) out.push(`  ${n.id} [shape=${shapes[n.shape]}, label=${quote(n.lines.join('\n')).replace(/\n/g, '\\n')}];`);
  for (const e of edges) {
    const attrs = [e.label ? `label=${quote(e.label)}` : '', e.dashed ? 'style=dashed' : ''].filter(Boolean);
    out.push(`  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  out.push('}');
  return out.join('\n');
}
