import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterEach, describe, expect, it } from 'vitest';
import { JavaMissingError, startLocalStack, type LocalStack } from '../../../lib/local/emulators.ts';
import { createActiveStream, readAllShards } from '../../support/kinesis-streams.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localEndpoints } from '../../support/stack.ts';

type Endpoints = LocalStack['endpoints'];

function dynamoDb(endpoints: Endpoints): DynamoDBClient {
  return new DynamoDBClient({ endpoint: endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

function kinesis(endpoints: Endpoints): KinesisClient {
  return new KinesisClient({
    endpoint: endpoints.kinesis,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler(), // kinesis-mock needs HTTP/1.1
  });
}

const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

async function getValue(client: DynamoDBClient, tableName: string, pk: string): Promise<string | undefined> {
  const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return Item?.value?.S;
}

/** Puts `count` records, alternating explicitly between the shards so that every shard is known to get some. */
async function putRecords(client: KinesisClient, streamName: string, count: number): Promise<string[]> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  const payloads = Array.from({ length: count }, (_, i) => `record-${i}`);
  const result = await client.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: payloads.map((payload, i) => ({
        Data: Buffer.from(payload),
        PartitionKey: `key-${i}`,
        ExplicitHashKey: Shards[i % Shards.length].HashKeyRange!.StartingHashKey,
      })),
    }),
  );
  expect(result.FailedRecordCount ?? 0).toBe(0);
  return payloads;
}

describe('shared local stack (globalSetup)', () => {
  it('serves DynamoDB: create table, put and get an item', async () => {
    const client = dynamoDb(localEndpoints());
    const tableName = uniqueName('emulators-test');
    await createTable(client, tableName);
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'a' }, value: { S: 'hello' } } }));
    expect(await getValue(client, tableName, 'a')).toBe('hello');
    client.destroy();
  });

  it('serves Kinesis: 2-shard stream, PutRecords 20, read all back from both shards', async () => {
    const client = kinesis(localEndpoints());
    const streamName = uniqueName('emulators-test');
    await createActiveStream(client, streamName, 2);
    const written = await putRecords(client, streamName, 20);

    const byShard = await readAllShards(client, streamName);
    expect(byShard.size).toBe(2);
    for (const payloads of byShard.values()) expect(payloads).toHaveLength(10);
    expect([...byShard.values()].flat().sort()).toEqual([...written].sort());
    client.destroy();
  });
});

describe('startLocalStack({ dataDir })', () => {
  let dataDir: string | undefined;
  let stack: LocalStack | undefined;

  afterEach(async () => {
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    stack = dataDir = undefined;
  });

  // kinesis-mock writes its snapshot (kinesis-data.json) every PERSIST_INTERVAL and once more when it shuts down after
  // SIGTERM, so records put immediately before stop() survive as long as stop() lets it shut down cleanly. The clients
  // stay open across stop() on purpose: their idle keep-alive connections used to block kinesis-mock's shutdown until
  // the grace period ran out and SIGKILL lost the final snapshot (see CLOSE_CONNECTIONS_ON_SHUTDOWN).
  it('persists DynamoDB tables and Kinesis streams with their records across stop/start', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'eddy-emulators-test-'));
    const tableName = uniqueName('persisted');
    const streamName = uniqueName('persisted');

    stack = await startLocalStack({ dataDir });
    const ddb = dynamoDb(stack.endpoints);
    const kin = kinesis(stack.endpoints);
    await createTable(ddb, tableName);
    await ddb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'k' }, value: { S: 'kept' } } }));
    await createActiveStream(kin, streamName, 2);
    const written = await putRecords(kin, streamName, 20);
    const stopStartedAt = Date.now();
    await stack.stop();
    expect(Date.now() - stopStartedAt).toBeLessThan(9_000); // inside the 10 s grace period: no SIGKILL needed (loaded CI machines are slow to stop a JVM)
    ddb.destroy();
    kin.destroy();

    // New processes on new ports; only the files under dataDir connect the two runs.
    stack = await startLocalStack({ dataDir });
    const ddbAgain = dynamoDb(stack.endpoints);
    const kinAgain = kinesis(stack.endpoints);
    expect(await getValue(ddbAgain, tableName, 'k')).toBe('kept');
    const byShard = await readAllShards(kinAgain, streamName);
    expect([...byShard.values()].flat().sort()).toEqual([...written].sort());
    ddbAgain.destroy();
    kinAgain.destroy();
  });
});

describe('startLocalStack failures', () => {
  const savedEnv = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
  let fakeJavaHome: string | undefined;

  afterEach(async () => {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (fakeJavaHome) await rm(fakeJavaHome, { recursive: true, force: true });
    fakeJavaHome = undefined;
  });

  it('reports a missing Java with the apt-get hint', async () => {
    delete process.env.JAVA_HOME;
    process.env.PATH = '/nonexistent'; // spawn resolves `java` through the child's env PATH
    const started = startLocalStack();
    await expect(started).rejects.toBeInstanceOf(JavaMissingError);
    await expect(started).rejects.toThrow('apt-get install openjdk-17-jre-headless');
  });

  it('includes the emulator output when it dies during start-up', async () => {
    // A "java" that passes `java -version` but exits at once for anything else.
    fakeJavaHome = await mkdtemp(join(tmpdir(), 'eddy-fake-java-'));
    await mkdir(join(fakeJavaHome, 'bin'));
    const fakeJava = join(fakeJavaHome, 'bin', 'java');
    await writeFile(fakeJava, '#!/bin/sh\n[ "$1" = -version ] && exit 0\necho "fake jvm: boom" >&2\nexit 3\n');
    await chmod(fakeJava, 0o755);
    process.env.JAVA_HOME = fakeJavaHome;
    await expect(startLocalStack()).rejects.toThrow(/dynamodb emulator exited \(code 3\)[\s\S]*fake jvm: boom/);
  });
});
