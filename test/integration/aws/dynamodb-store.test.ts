/**
 * The DynamoDB store on DynamoDB Local: Query ranges and limits, and the prefix Scan of
 * applyToKeyedState, across pages; fenced commits, as a transaction and as a checkpoint alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { createClients, resolveAwsTarget, type AwsClients } from '../../../lib/aws/config.ts';
import { DynamoDbStore } from '../../../lib/aws/dynamodb-store.ts';
import { provisionPlan } from '../../../lib/aws/provision.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { CommitConflictError, type Item } from '../../../lib/state/store.ts';
import { localEndpoints } from '../../support/stack.ts';

const prefix = `store${process.pid}-`;
let clients: AwsClients;
let store: DynamoDbStore;

const item = (pk: string, sk: string, bytes = 10): Item => ({ table: 'state', pk, sk, attrs: { v: JSON.stringify('x'.repeat(bytes)) } });

beforeAll(async () => {
  const endpoints = localEndpoints();
  clients = createClients(resolveAwsTarget({ EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, AWS_REGION: 'us-east-1' }));
  await provisionPlan(planJob(job.graph), clients, prefix);
  store = new DynamoDbStore(clients.documents, { state: `${prefix}order-timeout-state`, 'dead-letter': `${prefix}order-timeout-dead-letter` });
  // 300 items of ~4 KB under one operator (over 1 MB: a Scan answers in pages), plus others that must not match.
  const items: Item[] = [];
  for (let k = 0; k < 100; k++) for (const name of ['count', 'seen', 'other']) items.push(item(`s#op#"k${k}"`, `${name}#-`, 4000));
  items.push(item('s#op2#"k1"', 'count#-'), item('s#op#"k1"', 'counter#-'), item('t#op#x', 'count#-'));
  await store.writeBatch(items, []);
}, 120_000);
afterAll(() => {
  clients?.dynamodb.destroy();
  clients?.kinesis.destroy();
});

describe('DynamoDbStore reads', () => {
  it('scans every item with the partition and sort key prefixes, across pages', async () => {
    const found = await store.scan('state', { pkPrefix: 's#op#', skPrefix: 'count#' });
    // Not `counter#-` (callers pass `name#`), not another operator's, not a timer partition.
    expect(found.map((i) => `${i.pk}|${i.sk}`).sort()).toEqual(Array.from({ length: 100 }, (_, k) => `s#op#"k${k}"|count#-`).sort());
    expect(found.every((i) => i.table === 'state' && JSON.parse(String(i.attrs.v)).length >= 10)).toBe(true);
    const stats = store.stats();
    expect(stats.readUnits).toBeGreaterThan(1_000_000 / 4096 / 2); // read the whole table (over 1 MB), strongly consistent units at least
  });

  it('queries a partition by sort-key range, in order, up to a limit', async () => {
    const all = await store.query('state', 's#op#"k7"');
    expect(all.map((i) => i.sk)).toEqual(['count#-', 'other#-', 'seen#-']);
    expect((await store.query('state', 's#op#"k7"', { from: 'o', to: 'p' })).map((i) => i.sk)).toEqual(['other#-']);
    expect((await store.query('state', 's#op#"k7"', { limit: 2 })).map((i) => i.sk)).toEqual(['count#-', 'other#-']);
  });
});

describe('DynamoDbStore commits', () => {
  const checkpoint = (version: number, extra: Record<string, string> = {}): Item => ({ table: 'state', pk: 'c#commit-test', sk: 'shardId-0', attrs: { version, cp: '{}', ...extra } });
  const read = async () => (await store.batchGet([{ table: 'state', pk: 'c#commit-test', sk: 'shardId-0' }]))[0];

  it('fences the checkpoint on its previous version, alone (a conditional put) and with items (a transaction)', async () => {
    await store.commit({ puts: [], deletes: [], checkpoint: { item: checkpoint(1), expectedVersion: undefined } });
    await expect(store.commit({ puts: [], deletes: [], checkpoint: { item: checkpoint(1), expectedVersion: undefined } })).rejects.toBeInstanceOf(CommitConflictError);
    await store.commit({ puts: [item('s#commit#a', 'v')], deletes: [], checkpoint: { item: checkpoint(2), expectedVersion: 1 } });
    await expect(store.commit({ puts: [item('s#commit#b', 'v')], deletes: [], checkpoint: { item: checkpoint(2), expectedVersion: 1 } })).rejects.toBeInstanceOf(CommitConflictError);
    await expect(store.commit({ puts: [], deletes: [], checkpoint: { item: checkpoint(3), expectedVersion: 1 } })).rejects.toBeInstanceOf(CommitConflictError);
    // a put of the same version, fenced on it (how commit.ts clears a reference to a redo log)
    await store.commit({ puts: [], deletes: [], checkpoint: { item: checkpoint(2, { note: 'again' }), expectedVersion: 2 } });
    expect((await read()).attrs).toMatchObject({ version: 2, note: 'again' });
    expect(await store.batchGet([{ table: 'state', pk: 's#commit#a', sk: 'v' }, { table: 'state', pk: 's#commit#b', sk: 'v' }])).toHaveLength(1);
  });
});
