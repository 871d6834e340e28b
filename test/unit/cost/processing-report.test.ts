/**
 * What `eddy cost` says about memory: the largest container's state against the function's
 * memory, that a run shorter than the state's lifetime has not seen it all, and a warning past
 * half the memory.
 */
import { describe, expect, it } from 'vitest';
import { memoryNote } from '../../../lib/cost/processing-report.ts';
import type { ProcessingCost } from '../../../lib/cost/processing.ts';

const container = (stage: string, heapEstimateBytes: number) => ({ stage, heapEstimateBytes }) as ProcessingCost['containers'][number];
const MB = 2 ** 20;

describe('memoryNote', () => {
  it('names the largest container, its share of the function memory and the run length', () => {
    const note = memoryNote({ containers: [container('a', 13 * MB), container('b', 152 * MB)], memoryMb: 512, hours: 4000 / 3600 });
    expect(note).toMatch(/≈ 152 MB of heap \(b\), is 30 % of the function's 512 MB — what 4,000 simulated seconds reached/);
    expect(note).toMatch(/live items × \(stored size \+ 280 B\)/);
    expect(note).not.toMatch(/WARNING/);
  });

  it('warns past half the memory', () => {
    expect(memoryNote({ containers: [container('x', 300 * MB)], memoryMb: 512, hours: 1 })).toMatch(/59 % of the function's 512 MB .* WARNING: over half/);
    expect(memoryNote({ containers: [container('x', 300 * MB)], memoryMb: 2048, hours: 1 })).not.toMatch(/WARNING/);
  });

  it('says nothing when no container held state (per-key items, stateless stages)', () => {
    expect(memoryNote({ containers: [container('s', 0)], memoryMb: 512, hours: 1 })).toBe('');
  });
});
