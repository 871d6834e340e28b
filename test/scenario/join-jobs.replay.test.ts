/**
 * order-join tested from outside (SCENARIOS.md): `eddy replay order-join` on generated orders
 * and details (up to 5 s out of order per stream, details up to 11 min after their order),
 * `order-lines.jsonl` compared with the independent oracle; again with `--chaos 0.2`, which
 * must not change a line; and with malformed lines, each dead-lettered with a reason. After
 * each run, the job's state table in DynamoDB Local holds no join buffer and no join timer.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { generateOrderJoin } from './order-join/generator.ts';
import { compareLines, expectedOrderLines, type OrderLine } from './order-join/oracle.ts';
import { replayCli } from '../support/replay-cli.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localEndpoints } from '../support/stack.ts';

const { orders, details } = generateOrderJoin({ seed: 11, orders: 300 });
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const inputs = { orders: jsonl(orders), 'order-details': jsonl(details) };
const expected = expectedOrderLines(orders, details);
const sorted = (rows: OrderLine[]) => [...rows].sort(compareLines);

const client = new DynamoDBClient({ endpoint: localEndpoints().dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
const documents = DynamoDBDocumentClient.from(client);
afterAll(() => client.destroy());

async function stateTables(): Promise<Set<string>> {
  const names = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const n of page.TableNames ?? []) if (n.endsWith('order-join-state')) names.add(n);
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

/** Runs the replay and finds the state table it created (`replay-<pid>-<time>-order-join-state`). */
async function replayWithTable(text: Record<string, string>, args: string[] = []) {
  const before = await stateTables();
  const run = await replayCli('order-join', text, args);
  const created = [...(await stateTables())].filter((t) => !before.has(t));
  expect(created).toHaveLength(1);
  return { run, table: created[0] };
}

/** Items of the join stage in the state table: buffers (s#order-lines#…), timers (t#order-lines#…), checkpoints (c#order-lines). */
async function joinItems(table: string) {
  const items: { pk: string; sk: string }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const row of page.Items ?? []) items.push({ pk: String(row.pk), sk: String(row.sk) });
    start = page.LastEvaluatedKey;
  } while (start);
  return {
    buffers: items.filter((i) => i.pk.startsWith('s#order-lines#')),
    timers: items.filter((i) => i.pk.startsWith('t#order-lines#')),
    checkpoints: items.filter((i) => i.pk === 'c#order-lines'),
  };
}

async function expectNoJoinState(table: string) {
  const { buffers, timers, checkpoints } = await joinItems(table);
  expect(checkpoints.length).toBeGreaterThan(0); // the right table: the join stage committed here
  expect(buffers).toEqual([]);
  expect(timers).toEqual([]);
}

describe('eddy replay order-join', () => {
  it('matches the contract and leaves no join state in DynamoDB', async () => {
    expect(expected.length).toBeGreaterThan(300);
    const { run, table } = await replayWithTable(inputs);
    expect(await run.read('dead-letter')).toEqual([]);
    const lines = await run.read('order-lines');
    expect(sorted(lines)).toEqual(expected);
    expect(Object.keys(lines[0])).toEqual(['orderId', 'detailId', 'userId', 'spuId', 'qty', 'orderTs', 'detailTs']);
    await expectNoJoinState(table);
  }, 300_000);

  it('under --chaos 0.2 gives the same lines and leaves no join state', async () => {
    const { run, table } = await replayWithTable(inputs, ['--chaos', '0.2', '--seed', '7', '--batch-size', '100']);
    expect(Object.values(run.chaosCounts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(sorted(await run.read('order-lines'))).toEqual(expected);
    await expectNoJoinState(table);
  }, 300_000);

  it('dead-letters malformed lines of both sources with their reasons and stays exact', async () => {
    const badOrders = [
      'not json',
      '{"orderId":"","userId":"u-1","amount":1,"ts":1700000000000}',
      '{"orderId":"o-bad","userId":"u-1","amount":"12","ts":1700000000000}',
      '{"orderId":"o-bad","userId":"u-1","amount":1}',
    ];
    const badDetails = [
      '[1]',
      '{"detailId":"d-bad","orderId":"o-000001","spuId":"spu-1","qty":1,"ts":-5}',
      '{"detailId":"d-bad","spuId":"spu-1","qty":1,"ts":1700000000000}',
      '{"detailId":"d-bad","orderId":"o-000001","spuId":"spu-1","qty":0.5,"ts":1700000000000}',
    ];
    const mix = (rows: object[], bad: string[]) => rows.map((r) => JSON.stringify(r)).flatMap((l, i) => (i < bad.length ? [bad[i], l] : [l])).join('\n') + '\n';
    const { run } = await replayWithTable({ orders: mix(orders, badOrders), 'order-details': mix(details, badDetails) });
    const dead = await run.read('dead-letter');
    expect(dead.map((d) => d.record).sort()).toEqual([...badOrders, ...badDetails].sort());
    for (const d of dead) expect(d.reason).toMatch(/\S/);
    expect(sorted(await run.read('order-lines'))).toEqual(expected);
  }, 300_000);
});
