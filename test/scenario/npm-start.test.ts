/**
 * The README's first command from outside: `npm start` runs order-timeout live on its own
 * local stack, fed by the generator, and shows stage status and paid orders within seconds.
 * (The 3-minute timeouts fired by the sweep are covered by test/integration/runtime/sweep.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const exec = promisify(execFile);
let dataDir: string | undefined;

afterAll(async () => {
  if (dataDir) await exec('node', ['bin/eddy.mjs', 'stack', 'stop', '--data-dir', dataDir]);
});

it('npm start shows stage status lines and paid orders', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'eddy-start-'));
  const { stdout } = await exec('npm', ['start', '--', '--data-dir', dataDir, '--duration', '20'], { timeout: 120_000 });
  expect(stdout).toMatch(/\[source-orders\] records in=\d+ out=\d+/);
  expect(stdout).toMatch(/\[order-timeout\] records in=\d+ .*timers pending=\d+/);
  const paid = [...stdout.matchAll(/-> paid: (\{.*\})/g)].map((m) => JSON.parse(m[1]));
  expect(paid.length).toBeGreaterThan(0);
  for (const p of paid) expect(p.paidTs - p.createdTs).toBeLessThanOrEqual(180_000);
}, 180_000);
