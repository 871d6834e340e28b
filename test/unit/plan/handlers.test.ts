/** Every example job exports one Lambda handler per stage of its plan (the names serverless.yml uses), plus the sweep. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadJob } from '../../../lib/cli/load-job.ts';
import { handlerName } from '../../../lib/plan/plan.ts';
import { planJob } from '../../../lib/plan/planner.ts';

const jobs = readdirSync('functions', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('functions/<job>/handler.ts', () => {
  it('has the scenario jobs built so far', () => {
    expect(jobs).toEqual(expect.arrayContaining(['order-timeout', 'hourly-uv', 'uv-sliding', 'hot-items', 'anti-crawler', 'cdc-split', 'order-join']));
  });
  for (const name of jobs) {
    it(`${name} exports a handler per stage and the sweep`, async () => {
      const { job } = await loadJob(name);
      const handlers = await import(`../../../functions/${name}/handler.ts`);
      const expected = [...planJob(job.graph).stages.map((s) => handlerName(s.id)), 'sweep'].sort();
      expect(Object.keys(handlers).sort()).toEqual(expected);
      for (const h of expected) expect(typeof handlers[h]).toBe('function');
    });
  }
});
