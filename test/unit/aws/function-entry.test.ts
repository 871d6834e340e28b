/**
 * The entry module the bundler generates for each Lambda function (lib/aws/bundle.ts
 * `functionEntry`): for every example job and every function of its plan, the module, imported
 * as the bundle's entry would be, exports exactly that function's handler under its name — one
 * per stage, plus the sweep when a stage keeps timers.
 */
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionEntry } from '../../../lib/aws/bundle.ts';
import { loadJob } from '../../../lib/cli/load-job.ts';
import { handlerName } from '../../../lib/plan/plan.ts';
import { planJob } from '../../../lib/plan/planner.ts';

const jobs = readdirSync('functions', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
let dir: string;

beforeAll(async () => {
  await mkdir('test/.tmp', { recursive: true });
  dir = await mkdtemp(join(resolve('test/.tmp'), 'entries-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generated function entries', () => {
  it('covers the scenario jobs', () => {
    expect(jobs).toEqual(expect.arrayContaining(['order-timeout', 'hourly-uv', 'uv-sliding', 'hot-items', 'anti-crawler', 'cdc-split', 'order-join', 'dim-enrich']));
  });

  for (const name of jobs) {
    it(`${name}: one entry per stage and the sweep, each exporting only its own handler`, async () => {
      const { job } = await loadJob(name);
      const plan = planJob(job.graph);
      const expected = [...plan.stages.map((s) => handlerName(s.id)), ...(plan.stages.some((s) => s.stateful) ? ['sweep'] : [])];
      for (const fn of expected) {
        const file = join(dir, `${name}-${fn}.ts`);
        await writeFile(file, functionEntry(resolve('functions', name, 'job.ts'), plan, fn));
        const entry = await import(pathToFileURL(file).href);
        expect(Object.keys(entry), `${name}/${fn}`).toEqual([fn]);
        expect(typeof entry[fn]).toBe('function');
      }
      expect(() => functionEntry('job.ts', plan, 'nope')).toThrow(/has no function nope/);
    });
  }
});
