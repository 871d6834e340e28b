/**
 * The sample events under test/events/ are what `eddy event` writes from the inputs beside them
 * (test/events/manifest.json; `node bin/run-ts.mjs test/events/regenerate.ts` rewrites them), and
 * every scenario job has one for its source stages and one for a keyed stage.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventCommand } from '../../../lib/cli/event-command.ts';
import { FUNCTIONS_DIR, loadJob } from '../../../lib/cli/load-job.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { EVENTS_DIR, manifest } from '../../events/regenerate.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eddy-events-'));
  vi.stubEnv('EDDY_RESOURCE_PREFIX', '');
  vi.stubEnv('AWS_REGION', 'us-east-1');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe('sample events', () => {
  for (const e of manifest()) {
    it(`${e.out} is what eddy event writes`, async () => {
      const out = join(dir, e.out.replace(/\//g, '_'));
      await eventCommand(e.job, e.stage, { input: join(EVENTS_DIR, e.input), out, ...e.options }, () => undefined);
      expect(await readFile(out, 'utf8')).toBe(await readFile(join(EVENTS_DIR, e.out), 'utf8'));
    });
  }

  it('cover every source stage and a keyed stage of every scenario job', async () => {
    const jobs = readdirSync(FUNCTIONS_DIR).filter((d) => existsSync(join(FUNCTIONS_DIR, d, 'job.ts')));
    expect(jobs.length).toBeGreaterThanOrEqual(8);
    for (const name of jobs) {
      const plan = planJob((await loadJob(name)).job.graph);
      const covered = new Set(manifest().filter((e) => e.job === name).map((e) => e.stage));
      for (const stage of plan.stages.filter((s) => s.kind === 'source')) expect(covered, `${name}/${stage.id}`).toContain(stage.id);
      if (plan.stages.some((s) => s.kind === 'keyed')) expect(plan.stages.some((s) => s.kind === 'keyed' && covered.has(s.id)), `${name}: a keyed stage`).toBe(true);
    }
  });
});
