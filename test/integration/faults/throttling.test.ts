/**
 * Issue 3 item 7, "Throttling": `eddy replay order-timeout` with DynamoDB and Kinesis throttling
 * injected into every AWS call (`EDDY_FAULTS`, lib/aws/fault-injection.ts) must still produce
 * exactly what the independent oracle says. The CLI prints the injected-fault counters to stderr
 * on exit, which proves the faults really happened in the child process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { localEndpoints } from '../../support/stack.ts';
import { generateOrderStream, toJsonl } from '../../scenario/order-timeout/generator.ts';
import { expectedOrderTimeout, sortRows } from '../../scenario/order-timeout/oracle.ts';

const run = promisify(execFile);

async function replayWithFaults(lines: string, faults: string) {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-faults-'));
  await writeFile(join(dir, 'orders.jsonl'), lines);
  const endpoints = localEndpoints();
  const { stderr } = await run('node', ['bin/eddy.mjs', 'replay', 'order-timeout', '--input', `orders=${join(dir, 'orders.jsonl')}`, '--out', join(dir, 'out'), '--quiet'], {
    env: { ...process.env, EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, EDDY_FAULTS: faults },
    timeout: 240_000,
  });
  await writeFile(join(dir, 'stderr.txt'), stderr); // kept for a post-mortem of a failed run
  const report = /^eddy: injected faults \(EDDY_FAULTS=[^)]*\) (\{.*\})$/m.exec(stderr);
  if (!report) throw new Error(`no injected-fault report on stderr (see ${dir}/stderr.txt)`);
  const read = async (name: string) => (await readFile(join(dir, 'out', `${name}.jsonl`), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { dir, read, faults: JSON.parse(report[1]) as Record<string, number> };
}

describe('eddy replay under throttling', () => {
  it('matches the oracle with 20% of DynamoDB and Kinesis attempts throttled', async () => {
    const events = generateOrderStream({ seed: 314, orders: 150 });
    const expected = expectedOrderTimeout(events);
    expect(expected.latePayments.length).toBeGreaterThan(0);
    expect(expected.timeouts.length).toBeGreaterThan(0);
    // Seed 11: the first PutRecords of the run (feeding the source, before any concurrency) is
    // answered partially, so `putAll`'s retry of failed records is certainly exercised.
    const { read, faults, dir } = await replayWithFaults(toJsonl(events), 'throttle=0.2,seed=11');
    console.info(`injected faults: ${JSON.stringify(faults)} (${dir})`);
    expect(faults['Kinesis.FailedRecords']).toBeGreaterThan(0);
    expect((faults['DynamoDB.ProvisionedThroughputExceededException'] ?? 0) + (faults['DynamoDB.ThrottlingException'] ?? 0)).toBeGreaterThan(0);
    expect(faults['Kinesis.ProvisionedThroughputExceededException']).toBeGreaterThan(0);
    expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);

    expect(sortRows(await read('paid'))).toEqual(sortRows(expected.paid));
    expect(sortRows(await read('timeouts'))).toEqual(sortRows(expected.timeouts));
    expect(sortRows(await read('late-payments'))).toEqual(sortRows(expected.latePayments));
    expect(await read('dead-letter')).toEqual([]);
  }, 300_000);
});
