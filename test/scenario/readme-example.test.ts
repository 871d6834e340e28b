/**
 * The README's example job must work as printed: extracted from README.md, replayed with the
 * CLI, and its output checked against a running total computed here.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { localEndpoints } from '../support/stack.ts';

it('the README example job replays to the expected running totals', async () => {
  const readme = await readFile('README.md', 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toContain("new Job('running-total')");
  // Inside the package so that the self-reference `eddy` resolves as it does for users.
  await mkdir('test/.tmp', { recursive: true });
  const dir = await mkdtemp(join('test/.tmp', 'readme-'));
  await writeFile(join(dir, 'job.ts'), example!);
  const purchases = [
    { userId: 'a', amount: 5, ts: 1000 },
    { userId: 'b', amount: 2, ts: 2000 },
    { userId: 'a', amount: 1.5, ts: 3000 },
    { userId: 'b', amount: 4, ts: 9000 },
  ];
  await writeFile(join(dir, 'purchases.jsonl'), purchases.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const endpoints = localEndpoints();
  await promisify(execFile)('node', ['bin/eddy.mjs', 'replay', join(dir, 'job.ts'), '--input', `purchases=${join(dir, 'purchases.jsonl')}`, '--out', join(dir, 'out'), '--quiet'], {
    env: { ...process.env, EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis },
  });
  const totals = (await readFile(join(dir, 'out', 'totals.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const expected = new Map<string, number[]>();
  const running = new Map<string, number>();
  for (const p of purchases) {
    running.set(p.userId, (running.get(p.userId) ?? 0) + p.amount);
    expected.set(p.userId, [...(expected.get(p.userId) ?? []), running.get(p.userId)!]);
  }
  for (const [userId, values] of expected) expect(totals.filter((t) => t.userId === userId).map((t) => t.total)).toEqual(values);
}, 120_000);
