/**
 * As Flink does on restore: a processing-time timer that became due while no job was running
 * fires right after the job starts again (the sweep wakes the quiet shard), exactly once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { localEndpoints } from '../../support/stack.ts';

const exec = promisify(execFile);

it('an overdue processing-time timer fires right after restart, once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-overdue-'));
  const endpoints = localEndpoints();
  const env = { ...process.env, EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, EDDY_RESOURCE_PREFIX: `overdue-${Date.now().toString(36)}-` };
  const eddy = (args: string[]) => exec('node', ['bin/eddy.mjs', ...args], { env, timeout: 120_000 });
  const job = 'test/fixtures/alarm-job.ts';
  await writeFile(join(dir, 'pings.jsonl'), JSON.stringify({ id: 'p-1', ts: Date.now(), delayMs: 2000 }) + '\n');
  const out = join(dir, 'out');
  const alarms = async () => (await readFile(join(out, 'alarms.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l));

  await eddy(['feed', job, '--input', `pings=${join(dir, 'pings.jsonl')}`]);
  const runStarted = Date.now();
  await eddy(['run', job, '--out', out, '--until-idle']); // processes the ping, registers the timer, exits: nothing fired
  const runEnded = Date.now();
  expect(await alarms()).toEqual([]);

  await new Promise((resolve) => setTimeout(resolve, 3000)); // the timer is overdue while nothing runs
  const restartedAt = Date.now();
  await eddy(['run', job, '--out', out, '--duration', '14']);
  const fired = await alarms();
  expect(fired).toHaveLength(1);
  expect(fired[0].id).toBe('p-1');
  expect(fired[0].firedAt).toBeGreaterThanOrEqual(fired[0].due);
  expect(fired[0].due).toBeGreaterThanOrEqual(runStarted + 2000); // registered during the first run...
  expect(fired[0].due).toBeLessThanOrEqual(runEnded + 2000); // ...and due before the restart
  expect(fired[0].due).toBeLessThan(restartedAt);
  expect(fired[0].firedAt).toBeGreaterThanOrEqual(restartedAt);
  expect(fired[0].firedAt - restartedAt).toBeLessThan(14_000);
}, 180_000);
