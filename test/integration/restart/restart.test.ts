/**
 * SCENARIOS.md "restart", tested from outside exactly as written: the local stack is a service
 * of its own under a data dir; `eddy feed` writes input; `eddy run` is SIGKILLed (whole process
 * group) mid-way and started again; the sink files must hold the oracle's rows exactly once,
 * state must continue across runs and across a stack restart, and a restart with nothing new
 * to read must append nothing.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readStackInfo, stackStatus } from '../../../lib/local/stack-service.ts';
import { localEndpoints } from '../../support/stack.ts';
import { generateOrderStream } from '../../scenario/order-timeout/generator.ts';
import { expectedOrderTimeout, sortRows } from '../../scenario/order-timeout/oracle.ts';
import { countLines, eddy, eddyCode, eddyDetached, readSorted, sleep, SINKS, writeOrders } from './support.ts';

const roots: string[] = [];
afterAll(async () => {
  // Whatever happened, no stack service outlives the tests. The temp dirs stay for a post-mortem when asked.
  for (const root of roots) await eddy(['stack', 'stop', '--data-dir', join(root, 'data')]).catch((e) => console.error(e));
  if (!process.env.EDDY_KEEP_TEST_DIRS) for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function workspace(name: string) {
  const root = await mkdtemp(join(tmpdir(), `eddy-restart-${name}-`));
  roots.push(root);
  return { root, data: join(root, 'data'), out: join(root, 'out') };
}

function expectedRows(events: Parameters<typeof expectedOrderTimeout>[0]): Record<string, unknown[]> {
  const e = expectedOrderTimeout(events);
  return { paid: sortRows(e.paid), timeouts: sortRows(e.timeouts), 'late-payments': sortRows(e.latePayments) };
}

/** `eddy run order-timeout` in the background, once it has written at least `outputs` sink lines. */
async function liveRunWithOutputs(ws: { data: string; out: string }, log: string, outputs: number) {
  const live = eddyDetached(['run', 'order-timeout', '--data-dir', ws.data, '--out', ws.out], log);
  const deadline = Date.now() + 90_000;
  while ((await countLines(ws.out)) < outputs) {
    if (live.exitCode !== null) throw new Error(`eddy run exited early (${live.exitCode}): ${await readFile(log, 'utf8')}`);
    if (Date.now() > deadline) throw new Error('eddy run produced no outputs within 90 s');
    await sleep(100);
  }
  return live;
}

/** `stack status` output → the service pid. */
async function stackPid(data: string): Promise<number> {
  const { stdout } = await eddy(['stack', 'status', '--data-dir', data]);
  return Number(/pid (\d+)/.exec(stdout)?.[1]);
}

describe('eddy run restarts', () => {
  const a = { events: generateOrderStream({ seed: 424242, orders: 1000 }), ws: undefined as Awaited<ReturnType<typeof workspace>> | undefined };

  it('(a) SIGKILLed mid-way and run again with --until-idle --drain, the sink files hold every output exactly once', async () => {
    const ws = (a.ws = await workspace('kill'));
    const expected = expectedRows(a.events);
    const total = SINKS.reduce((n, s) => n + expected[s].length, 0);
    const input = await writeOrders(join(ws.root, 'orders.jsonl'), a.events);

    await eddy(['feed', 'order-timeout', '--input', `orders=${input}`, '--data-dir', ws.data]);
    const stackBefore = await stackPid(ws.data);

    const live = await liveRunWithOutputs(ws, join(ws.root, 'run-1.log'), total / 10);
    process.kill(-live.pid!, 'SIGKILL'); // the whole process group, as a terminal's kill -9 of the job would
    await new Promise((resolve) => (live.exitCode !== null || live.signalCode !== null ? resolve(undefined) : live.once('exit', resolve)));
    const atKill = await countLines(ws.out);
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(total); // some but not all: the restart has work left

    // The job died, the stack did not.
    expect(await stackPid(ws.data)).toBe(stackBefore);

    const { stdout } = await eddy(['run', 'order-timeout', '--data-dir', ws.data, '--out', ws.out, '--until-idle', '--drain']);
    expect(stdout).toMatch(/drained: stopped after/);
    expect(await readSorted(ws.out)).toEqual(expected);
    // One file per sink and nothing else named *.jsonl (the id sidecars are `.<sink>.ids`).
    expect((await readdir(ws.out)).filter((f) => f.endsWith('.jsonl')).sort()).toEqual(SINKS.map((s) => `${s}.jsonl`).sort());
  }, 180_000);

  it('(c) after `eddy stack stop`, `eddy run --until-idle` restarts the stack from disk and reads and appends nothing', async () => {
    const ws = a.ws!;
    const before = await Promise.all(SINKS.map((s) => readFile(join(ws.out, `${s}.jsonl`), 'utf8')));
    const oldPid = await stackPid(ws.data);
    const { stdout: stopped } = await eddy(['stack', 'stop', '--data-dir', ws.data]);
    expect(stopped).toMatch(/stopped/);
    expect(await eddyCode(['stack', 'status', '--data-dir', ws.data])).toBe(3);

    const { stdout } = await eddy(['run', 'order-timeout', '--data-dir', ws.data, '--out', ws.out, '--until-idle']);
    expect(stdout).toMatch(/idle: stopped after .* read 0 records, appended 0 sink outputs/);
    expect(await Promise.all(SINKS.map((s) => readFile(join(ws.out, `${s}.jsonl`), 'utf8')))).toEqual(before);
    const newPid = await stackPid(ws.data);
    expect(newPid).not.toBe(oldPid);
  }, 120_000);

  it('(b) state continues across runs and a stack restart: part 1, then part 2 drained, equals one replay of both', async () => {
    const ws = await workspace('continue');
    const events = generateOrderStream({ seed: 77, orders: 300 });
    const half = Math.floor(events.length / 2);
    const [part1, part2] = [events.slice(0, half), events.slice(half)];
    // The split must cut through orders, or this would not test continued state: some orders are
    // created in part 1 and settled (paid) by a payment in part 2.
    const createdEarly = new Set(part1.filter((e) => e.status === 'CREATED').map((e) => e.orderId));
    const expected = expectedRows(events);
    const paidAcross = (expected.paid as { orderId: string; paidTs: number }[]).filter(
      (p) => createdEarly.has(p.orderId) && part2.some((e) => e.orderId === p.orderId && e.status === 'PAID' && e.ts === p.paidTs),
    );
    expect(paidAcross.length).toBeGreaterThan(0);

    // One replay of both parts (on the test run's shared stack), concurrently with the restarts: it is independent.
    const all = await writeOrders(join(ws.root, 'all.jsonl'), events);
    const endpoints = localEndpoints();
    const replayed = promisify(execFile)(process.execPath, ['bin/eddy.mjs', 'replay', 'order-timeout', '--input', `orders=${all}`, '--out', join(ws.root, 'replay'), '--quiet'], {
      env: { ...process.env, EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis },
      timeout: 150_000,
    });
    replayed.catch(() => {}); // awaited below; a failure before that must not surface as an unhandled rejection

    const file1 = await writeOrders(join(ws.root, 'part-1.jsonl'), part1);
    const file2 = await writeOrders(join(ws.root, 'part-2.jsonl'), part2);
    await eddy(['feed', 'order-timeout', '--input', `orders=${file1}`, '--data-dir', ws.data]);
    await eddy(['run', 'order-timeout', '--data-dir', ws.data, '--out', ws.out, '--until-idle']);
    // The stack goes down between the parts: state, timers, checkpoints and the stream come back from disk.
    await eddy(['stack', 'stop', '--data-dir', ws.data]);
    await eddy(['feed', 'order-timeout', '--input', `orders=${file2}`, '--data-dir', ws.data]);
    await eddy(['run', 'order-timeout', '--data-dir', ws.data, '--out', ws.out, '--until-idle', '--drain']);
    const restarted = await readSorted(ws.out);

    await replayed;
    expect(restarted).toEqual(await readSorted(join(ws.root, 'replay')));
    expect(restarted).toEqual(expected);
  }, 180_000);

  it('(d) DynamoDB Local killed under a live eddy run: the service restarts it, the run keeps retrying and ends exact', async () => {
    const ws = await workspace('emulator');
    const events = generateOrderStream({ seed: 9001, orders: 600 });
    const expected = expectedRows(events);
    const total = SINKS.reduce((n, s) => n + expected[s].length, 0);
    const input = await writeOrders(join(ws.root, 'orders.jsonl'), events);
    await eddy(['feed', 'order-timeout', '--input', `orders=${input}`, '--data-dir', ws.data]);

    const live = await liveRunWithOutputs(ws, join(ws.root, 'run.log'), total / 10);
    const info = await readStackInfo(ws.data);
    const dynamodb = info?.emulators?.dynamodb.pid;
    expect(dynamodb).toBeGreaterThan(0);
    process.kill(dynamodb!, 'SIGKILL');
    // The service notices and starts it again on the same port; the run, meanwhile, retries and stays up.
    const back = Date.now() + 120_000;
    for (;;) {
      const status = await stackStatus(ws.data);
      if (status?.emulators.dynamodb.state === 'running' && status.info.emulators?.dynamodb.restarts === 1) break;
      if (Date.now() > back) throw new Error(`DynamoDB Local did not come back: ${JSON.stringify(status)}`);
      await sleep(250);
    }
    expect(live.exitCode).toBeNull();
    process.kill(-live.pid!, 'SIGTERM');
    await new Promise((resolve) => (live.exitCode !== null || live.signalCode !== null ? resolve(undefined) : live.once('exit', resolve)));

    const { stdout } = await eddy(['run', 'order-timeout', '--data-dir', ws.data, '--out', ws.out, '--until-idle', '--drain']);
    expect(stdout).toMatch(/drained: stopped after/);
    expect(await readSorted(ws.out)).toEqual(expected);
  }, 300_000);
});
