/**
 * The exactly-once promise from outside: `eddy replay --chaos 0.2 --seed n` crashes and
 * retries batches at random points of their lifecycle (and delivers some twice); the sink
 * files must equal the clean contract (the independent oracle), line for line as multisets.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { localEndpoints } from '../../support/stack.ts';
import { generateOrderStream, toJsonl } from './generator.ts';
import { expectedOrderTimeout, sortRows } from './oracle.ts';

const run = promisify(execFile);
const events = generateOrderStream({ seed: 4242, orders: 120 });
const expected = expectedOrderTimeout(events);

describe('eddy replay order-timeout --chaos', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: the outputs equal a run without chaos`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'eddy-chaos-'));
      await writeFile(join(dir, 'orders.jsonl'), toJsonl(events));
      const endpoints = localEndpoints();
      const { stderr } = await run('node', ['bin/eddy.mjs', 'replay', 'order-timeout', '--input', `orders=${join(dir, 'orders.jsonl')}`, '--out', join(dir, 'out'), '--chaos', '0.2', '--seed', String(seed)], {
        env: { ...process.env, EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis },
        timeout: 240_000,
      });
      const counts = JSON.parse(/chaos: (\{.*\})/.exec(stderr)?.[1] ?? '{}') as Record<string, number>;
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0); // it really crashed
      const read = async (name: string) => (await readFile(join(dir, 'out', `${name}.jsonl`), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(sortRows(await read('paid'))).toEqual(sortRows(expected.paid));
      expect(sortRows(await read('timeouts'))).toEqual(sortRows(expected.timeouts));
      expect(sortRows(await read('late-payments'))).toEqual(sortRows(expected.latePayments));
      expect(await read('dead-letter')).toEqual([]);
    }, 300_000);
  }
});
