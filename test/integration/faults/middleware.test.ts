/**
 * The fault-injecting middleware (lib/aws/fault-injection.ts) on clients from `createClients`
 * against the emulators: every fault kind occurs, and what absorbs it — the SDK's standard
 * retry for thrown throttling exceptions, eddy's loops for UnprocessedKeys / UnprocessedItems
 * and failed PutRecords entries — makes every call end with exactly the intended effect.
 * Calls are sequential, so the faults are the same on every run (same seed).
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients, type AwsTarget } from '../../../lib/aws/config.ts';
import { DynamoDbStore } from '../../../lib/aws/dynamodb-store.ts';
import { injectedFaults, parseFaultConfig, resetInjectedFaults, type FaultConfig } from '../../../lib/aws/fault-injection.ts';
import { KinesisShardReader } from '../../../lib/aws/kinesis-shard-reader.ts';
import { KinesisStreamClient } from '../../../lib/aws/kinesis-stream-client.ts';
import { putAll } from '../../../lib/runtime/emitter.ts';
import type { Item } from '../../../lib/state/store.ts';
import { LOCAL_REGION, localEndpoints } from '../../support/stack.ts';

const FAULTS: FaultConfig = { throttle: 0.3, seed: 1 };

function target(): AwsTarget {
  const endpoints = localEndpoints();
  return { kind: 'embedded', region: LOCAL_REGION, dynamodbEndpoint: endpoints.dynamodb, kinesisEndpoint: endpoints.kinesis, prefix: `faults-${randomUUID().slice(0, 8)}-` };
}

/** Provisioning is not faulted (control plane), so this needs no retries of its own. */
async function createTable(clients: AwsClients, name: string): Promise<void> {
  const keys = [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }];
  await clients.dynamodb.send(new CreateTableCommand({ TableName: name, BillingMode: 'PAY_PER_REQUEST', KeySchema: keys, AttributeDefinitions: keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' as const })) }));
  while ((await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 100));
}

async function createStream(clients: AwsClients, name: string, shards: number): Promise<void> {
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  while ((await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 100));
}

const item = (pk: string, sk: string, attrs: Item['attrs']): Item => ({ table: 'state', pk, sk, attrs });

beforeEach(() => resetInjectedFaults());

describe('EDDY_FAULTS', () => {
  it('parses throttle and seed, is off by default, and rejects what it does not understand', () => {
    expect(parseFaultConfig('throttle=0.2,seed=7')).toEqual({ throttle: 0.2, seed: 7 });
    expect(parseFaultConfig(' throttle = 0.05 ')).toEqual({ throttle: 0.05, seed: 1 });
    for (const off of [undefined, '', 'off', 'throttle=0']) expect(parseFaultConfig(off)).toBeUndefined();
    for (const bad of ['throttle=1', 'throttle=-0.1', 'throttle', 'seed=1.5', 'latency=10', 'throttle=abc']) expect(() => parseFaultConfig(bad)).toThrow(/EDDY_FAULTS/);
  });

  it('adds nothing to the clients when off', () => {
    const clients = createClients(target(), undefined);
    for (const client of [clients.dynamodb, clients.documents, clients.kinesis]) {
      expect(client.middlewareStack.identify().filter((m) => m.includes('eddyFault'))).toEqual([]);
    }
  });
});

describe('fault-injecting middleware on the emulators', () => {
  it('throttles whole calls the SDK retries with backoff, the same faults for the same seed', async () => {
    const attemptsPerRun = [];
    for (let run = 0; run < 2; run++) {
      const t = target();
      const clients = createClients(t, FAULTS);
      await createTable(clients, `${t.prefix}state`);
      const attempts = [];
      for (let i = 0; i < 8; i++) {
        const response = await clients.documents.send(new GetCommand({ TableName: `${t.prefix}state`, Key: { pk: 'p', sk: String(i) }, ConsistentRead: true }));
        attempts.push(response.$metadata.attempts);
      }
      attemptsPerRun.push(attempts);
    }
    console.info(`attempts per GetItem: ${JSON.stringify(attemptsPerRun)}`);
    expect(attemptsPerRun[0]).toEqual(attemptsPerRun[1]);
    // Some calls took several attempts (the SDK retried the injected throttling) and all succeeded.
    expect(attemptsPerRun[0].some((a) => a! > 1)).toBe(true);
    expect(injectedFaults()['DynamoDB.ProvisionedThroughputExceededException']).toBeGreaterThan(0);
    expect(injectedFaults()['DynamoDB.ThrottlingException']).toBeGreaterThan(0);
  }, 120_000);

  it('DynamoDB: unprocessed keys and items are finished by eddy, a throttled transaction is never half applied', async () => {
    const t = target();
    const clients = createClients(t, FAULTS);
    await createTable(clients, `${t.prefix}state`);
    const store = new DynamoDbStore(clients.documents, { state: `${t.prefix}state`, 'dead-letter': `${t.prefix}state` });

    // BatchWriteItem in chunks of 25, rewritten round after round (each round's values differ)
    // until a partial answer has gone through eddy's UnprocessedItems loop.
    const rows = (round: number) => Array.from({ length: 60 }, (_, i) => item(`k#${i % 7}`, `s#${String(i).padStart(3, '0')}`, { v: round * 1000 + i }));
    let round = 0;
    do await store.writeBatch(rows(++round), []);
    while (!injectedFaults()['DynamoDB.UnprocessedItems'] && round < 30);
    // BatchGetItem (the same, with eddy's UnprocessedKeys loop): every item, its last value.
    const keys = [...rows(round).map(({ table, pk, sk }) => ({ table, pk, sk })), { table: 'state' as const, pk: 'absent', sk: 'x' }];
    for (let reads = 0; reads === 0 || (!injectedFaults()['DynamoDB.UnprocessedKeys'] && reads < 30); reads++) {
      const found = await store.batchGet(keys);
      expect(found.map((f) => `${f.pk}/${f.sk}=${f.attrs.v}`).sort()).toEqual(rows(round).map((r) => `${r.pk}/${r.sk}=${r.attrs.v}`).sort());
    }

    // Each commit is one TransactWriteItems. A wire tap placed inside the fault middleware sees
    // only attempts that reach DynamoDB: a throttled attempt must not (rejected whole, nothing
    // applied; a retry of an applied one would even pass, thanks to the SDK's idempotency token).
    const wire: string[] = [];
    const tap: FinalizeRequestMiddleware<any, any> = (next, context) => (args) => (wire.push(context.commandName!), next(args));
    clients.dynamodb.middlewareStack.addRelativeTo(tap, { relation: 'after', toMiddleware: 'eddyFaultThrottle', name: 'testWireTap' });
    const thrown = () => (injectedFaults()['DynamoDB.ProvisionedThroughputExceededException'] ?? 0) + (injectedFaults()['DynamoDB.ThrottlingException'] ?? 0);
    const before = thrown();
    let version = 0;
    while (version < 5 || (thrown() === before && version < 30)) {
      const n = version + 1;
      await store.commit({ puts: [item('k#t', `s#${String(n).padStart(2, '0')}`, { n })], deletes: [], checkpoint: { item: item('c#faults', 'shard-0', { version: n }), expectedVersion: version || undefined } });
      version = n;
    }
    expect(thrown()).toBeGreaterThan(before); // some TransactWriteItems attempts were throttled...
    expect(wire.filter((c) => c === 'TransactWriteItemsCommand')).toHaveLength(version); // ...and never sent
    const committed = await store.query('state', 'k#t');
    expect(committed.map((c) => c.attrs.n)).toEqual(Array.from({ length: version }, (_, i) => i + 1));

    const faults = injectedFaults();
    console.info(`DynamoDB faults: ${JSON.stringify(faults)}`);
    expect(faults['DynamoDB.UnprocessedItems']).toBeGreaterThan(0);
    expect(faults['DynamoDB.UnprocessedKeys']).toBeGreaterThan(0);
  }, 120_000);

  it('Kinesis: failed PutRecords entries are retried by putAll, throttled reads and listings by the SDK', async () => {
    const t = target();
    const clients = createClients(t, FAULTS);
    await createStream(clients, `${t.prefix}faults`, 2);
    const streams = new KinesisStreamClient(clients.kinesis, t.prefix);

    // One PutRecords of 12 entries per round, until one has been answered partially.
    const sent: string[] = [];
    for (let round = 0; round < 3 || (!injectedFaults()['Kinesis.FailedRecords'] && round < 30); round++) {
      const entries = Array.from({ length: 12 }, (_, i) => `${round}:${i}`).map((data, i) => ({ data: Buffer.from(data), partitionKey: `key-${i % 4}` }));
      await putAll(streams, 'faults', entries);
      sent.push(...entries.map((e) => e.data.toString()));
    }
    // ListShards on fresh stream clients (one caches its listing for 10 s), until one was throttled.
    for (let i = 0; i === 0 || (!injectedFaults()['Kinesis.LimitExceededException'] && i < 30); i++) {
      expect(await new KinesisStreamClient(clients.kinesis, t.prefix).listShards('faults')).toHaveLength(2);
    }

    const reader = new KinesisShardReader(clients.kinesis, t.prefix);
    const received: { key: string; data: string }[] = [];
    for (const shard of await streams.listShards('faults')) {
      let after: string | undefined;
      for (;;) {
        const records = await reader.read('faults', shard.shardId, after, 25);
        if (records.length === 0) break;
        received.push(...records.map((r) => ({ key: r.partitionKey, data: Buffer.from(r.data).toString() })));
        after = records[records.length - 1].seq;
      }
    }
    // Exactly once, and in the order sent per partition key: only a suffix of a request fails.
    expect(received.map((r) => r.data).sort()).toEqual([...sent].sort());
    for (const key of ['key-0', 'key-1', 'key-2', 'key-3']) {
      const order = (d: string) => d.split(':').map(Number);
      const got = received.filter((r) => r.key === key).map((r) => order(r.data));
      expect(got).toEqual([...got].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    }

    const faults = injectedFaults();
    console.info(`Kinesis faults: ${JSON.stringify(faults)}`);
    expect(faults['Kinesis.FailedRecords']).toBeGreaterThan(0);
    expect(faults['Kinesis.ProvisionedThroughputExceededException']).toBeGreaterThan(0);
    expect(faults['Kinesis.LimitExceededException']).toBeGreaterThan(0);
  }, 120_000);
});
