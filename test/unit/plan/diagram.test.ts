/** `eddy plan --format mermaid|dot`: the same graph in both, every stage, stream, route and sink of the plan. */
import { describe, expect, it } from 'vitest';
import dimEnrich from '../../../functions/dim-enrich/job.ts';
import orderTimeout from '../../../functions/order-timeout/job.ts';
import { planToDot, planToMermaid } from '../../../lib/plan/diagram.ts';
import { planJob } from '../../../lib/plan/planner.ts';

describe('plan diagrams', () => {
  it('order-timeout as Mermaid: source stream -> source stage -keyBy-> internal stream -> keyed stage -> three sinks, swept', () => {
    const text = planToMermaid(planJob(orderTimeout.graph), orderTimeout.graph);
    const lines = text.split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  s0["source-orders (source)<br/>source(orders) → keyBy"]');
    expect(lines).toContain('  q0[("order-timeout-source-orders<br/>1 shard")]');
    expect(lines).toContain('  q1[("order-timeout-order-timeout<br/>1 shard")]');
    expect(lines.filter((l) => l.includes('-->'))).toEqual(['  q0 --> s0', '  q1 --> s1', '  s0 -->|"keyBy"| q1', '  s1 --> k0', '  s1 --> k1', '  s1 --> k2']);
    expect(lines.filter((l) => /^ {2}k\d\[\//.test(l)).map((l) => /sink (\S+)</.exec(l)?.[1])).toEqual(['paid', 'timeouts', 'late-payments']);
    expect(lines).toContain('  sweep -.->|"timers"| s1');
  });

  it('names forward and broadcast routes and the second input', () => {
    const text = planToMermaid(planJob(dimEnrich.graph), dimEnrich.graph);
    expect(text).toContain('s0 -->|"forward"| q2');
    expect(text).toContain('s1 -->|"broadcast (input 2)"| q2');
  });

  it('order-timeout as DOT: the same nodes and edges', () => {
    const text = planToDot(planJob(orderTimeout.graph), orderTimeout.graph);
    expect(text.startsWith('digraph "order-timeout" {')).toBe(true);
    expect(text.trim().endsWith('}')).toBe(true);
    const edges = text.split('\n').filter((l) => l.includes('->') && !l.includes('label="sweep')).map((l) => l.trim());
    expect(edges).toEqual(['q0 -> s0;', 'q1 -> s1;', 's0 -> q1 [label="keyBy"];', 's1 -> k0;', 's1 -> k1;', 's1 -> k2;', 'sweep -> s1 [label="timers", style=dashed];']);
    expect(text).toContain('q1 [shape=cylinder, label="order-timeout-order-timeout\\n1 shard"];');
  });
});
