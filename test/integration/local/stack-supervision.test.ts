/**
 * The stack service supervises its emulators (issue 13, item 7): `kill -9` of DynamoDB Local or
 * kinesis-mock leaves the service running; it starts the emulator again on the same port and
 * data dir, `eddy stack status` says restarting, then running, and what was written before is
 * still there — through the same endpoints and the same clients.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restartDelay, RAPID_RESTARTS } from '../../../lib/local/emulator-supervisor.ts';
import { startLocalStack, type EmulatorName, type EmulatorStatuses, type LocalStack } from '../../../lib/local/emulators.ts';
import { kinesisSnapshotPath } from '../../../lib/local/kinesis-snapshot.ts';
import { pidAlive } from '../../../lib/local/pid-lock.ts';
import { ensureStack, readStackInfo, stackStatus, stopStack, type StackInfo } from '../../../lib/local/stack-service.ts';
import { createActiveStream, readAllShards } from '../../support/kinesis-streams.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../support/stack.ts';
import { cliEnv, sleep } from '../restart/support.ts';

const exec = promisify(execFile);

/** `eddy stack status` as a user runs it: its output and exit code (1 = degraded, 3 = nothing running). */
async function statusCommand(dataDir: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await exec(process.execPath, ['bin/eddy.mjs', 'stack', 'status', '--data-dir', dataDir], { env: cliEnv(), timeout: 60_000 });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string };
    return { code: Number(e.code), stdout: e.stdout ?? '' };
  }
}

/** Polls `stackStatus` until `name` is running again; returns every state seen on the way (deduplicated, in order). */
async function statesUntilRunning(dataDir: string, name: EmulatorName, timeoutMs = 90_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await stackStatus(dataDir);
    const state = status ? status.emulators[name].state : 'no service';
    if (seen.at(-1) !== state) seen.push(state);
    if (state === 'running' || state === 'no service') return seen;
    if (Date.now() > deadline) throw new Error(`${name} not running again within ${timeoutMs / 1000} s: ${seen.join(' → ')}`);
    await sleep(50);
  }
}

/** stack.json once the supervisor has announced `name` running again (its own probe follows the endpoint's first answer). */
async function announcedRunning(dataDir: string, name: EmulatorName): Promise<StackInfo> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await readStackInfo(dataDir);
    if (info?.emulators?.[name]?.state === 'running') return info;
    if (Date.now() > deadline) throw new Error(`stack.json does not say ${name} is running: ${JSON.stringify(info?.emulators)}`);
    await sleep(20);
  }
}

/** The emulator's pid as the service announces it in stack.json. */
async function emulatorPid(dataDir: string, name: EmulatorName): Promise<number> {
  const pid = (await readStackInfo(dataDir))?.emulators?.[name]?.pid;
  if (!pid) throw new Error(`stack.json names no ${name} pid`);
  return pid;
}

/** Every payload of the stream, sorted. */
async function readAll(client: KinesisClient, streamName: string): Promise<string[]> {
  return [...(await readAllShards(client, streamName)).values()].flat().sort();
}

/**
 * Waits for kinesis-mock's next periodic snapshot (every 1 s) written after `since`, and returns in the quiet moment
 * just after it (as kinesis-snapshot.ts does before a stop), so that a SIGKILL now cannot catch a write half done.
 */
async function snapshotAfter(dataDir: string, since: number): Promise<void> {
  const path = kinesisSnapshotPath(dataDir);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: 0 }));
    const age = Date.now() - mtimeMs;
    if (mtimeMs > since + 20 && age >= 60 && age <= 400) {
      JSON.parse(await readFile(path, 'utf8')); // complete
      return;
    }
    await sleep(15);
  }
  throw new Error(`no kinesis-mock snapshot after ${new Date(since).toISOString()} within 15 s`);
}

describe('restartDelay', () => {
  it('backs off 0.5 s, 1 s, 2 s ... up to 10 s, then retries every 30 s once it keeps dying', () => {
    expect(Array.from({ length: RAPID_RESTARTS }, (_, i) => restartDelay(i + 1))).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
    expect(restartDelay(RAPID_RESTARTS + 1)).toBe(30_000);
    expect(restartDelay(100)).toBe(30_000);
  });
});

describe('the stack service supervises its emulators', () => {
  let root: string;
  let dataDir: string;
  let info: StackInfo;
  let ddb: DynamoDBClient;
  let kinesis: KinesisClient;
  const tableName = 'supervised-table';
  const streamName = 'supervised-stream';
  const written: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'eddy-stack-supervision-'));
    dataDir = join(root, 'data');
    ({ info } = await ensureStack(dataDir));
    ddb = new DynamoDBClient({ endpoint: info.endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    kinesis = new KinesisClient({
      endpoint: info.endpoints.kinesis,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: new NodeHttpHandler(), // kinesis-mock needs HTTP/1.1
    });
  });

  afterAll(async () => {
    ddb?.destroy();
    kinesis?.destroy();
    if (dataDir) await stopStack(dataDir);
    if (root && !process.env.EDDY_KEEP_TEST_DIRS) await rm(root, { recursive: true, force: true });
  });

  it('announces the service and both emulator pids in stack.json; status says running', async () => {
    const announced = await readStackInfo(dataDir);
    expect(announced?.emulators?.dynamodb).toMatchObject({ state: 'running', restarts: 0 });
    expect(announced?.emulators?.kinesis).toMatchObject({ state: 'running', restarts: 0 });
    for (const name of ['dynamodb', 'kinesis'] as const) expect(pidAlive(await emulatorPid(dataDir, name))).toBe(true);
    const { code, stdout } = await statusCommand(dataDir);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^local stack running for .* \\(pid ${info.pid}, since `));
    expect(stdout).toMatch(/^ {2}dynamodb: running \(pid \d+, http:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(stdout).toMatch(/^ {2}kinesis: running \(pid \d+, http:\/\/127\.0\.0\.1:\d+\)$/m);
  });

  it('restarts DynamoDB Local after kill -9 on the same port and data dir', async () => {
    await ddb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (const pk of ['a', 'b', 'c']) await ddb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, value: { S: `kept-${pk}` } } }));

    const killed = await emulatorPid(dataDir, 'dynamodb');
    const kinesisPid = await emulatorPid(dataDir, 'kinesis');
    process.kill(killed, 'SIGKILL');
    // `eddy run` calling ensureStack meanwhile waits for the supervisor: same service, same endpoints, nothing respawned.
    const ensured = ensureStack(dataDir);

    const states = await statesUntilRunning(dataDir, 'dynamodb');
    expect(states).toContain('restarting');
    expect(states.at(-1)).toBe('running');
    expect(['down', 'restarting', 'running']).toEqual(expect.arrayContaining(states));
    const again = await ensured;
    expect(again.started).toBe(false);
    expect(again.info.pid).toBe(info.pid);
    expect(again.info.endpoints).toEqual(info.endpoints);

    const after = await announcedRunning(dataDir, 'dynamodb');
    expect(after?.pid).toBe(info.pid);
    expect(after?.endpoints).toEqual(info.endpoints);
    expect(after?.emulators?.dynamodb).toMatchObject({ state: 'running', restarts: 1, lastExit: { how: 'SIGKILL' } });
    expect(after?.emulators?.dynamodb.pid).not.toBe(killed);
    expect(after?.emulators?.kinesis).toMatchObject({ state: 'running', restarts: 0, pid: kinesisPid });
    expect(pidAlive(killed)).toBe(false);

    // The same client, the same endpoint: -dbPath kept the table and the items.
    for (const pk of ['a', 'b', 'c']) {
      const { Item } = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
      expect(Item?.value?.S).toBe(`kept-${pk}`);
    }
    await ddb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'd' }, value: { S: 'after' } } }));

    const { code, stdout } = await statusCommand(dataDir);
    console.log(`eddy stack status after DynamoDB Local's restart:\n${stdout}`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}dynamodb: running \(pid \d+, http:\/\/127\.0\.0\.1:\d+; 1 restart, last exit SIGKILL at \S+\)$/m);
  }, 120_000);

  it('restarts kinesis-mock after kill -9: the stream and the records of its last snapshot are there', async () => {
    await createActiveStream(kinesis, streamName, 2);
    const payloads = Array.from({ length: 20 }, (_, i) => `record-${i}`);
    const put = await kinesis.send(
      new PutRecordsCommand({ StreamName: streamName, Records: payloads.map((p, i) => ({ Data: Buffer.from(p), PartitionKey: `key-${i}` })) }),
    );
    expect(put.FailedRecordCount ?? 0).toBe(0);
    written.push(...payloads);
    await snapshotAfter(dataDir, Date.now());

    const killed = await emulatorPid(dataDir, 'kinesis');
    process.kill(killed, 'SIGKILL');
    // Right after the kill, as a user would look: degraded (exit code 1) while kinesis-mock is restarting.
    const during = await statusCommand(dataDir);
    console.log(`eddy stack status right after kill -9 of kinesis-mock (exit code ${during.code}):\n${during.stdout}`);
    expect(during.stdout).toMatch(new RegExp(`\\(pid ${info.pid}, since `));
    expect(during.stdout).toMatch(/^ {2}dynamodb: running /m);
    if (during.code === 1) {
      expect(during.stdout).toMatch(/^local stack degraded for /);
      expect(during.stdout).toMatch(/^ {2}kinesis: (restarting|down) \(pid \d+, http:\/\/127\.0\.0\.1:\d+; (1 restart, )?last exit SIGKILL at \S+\)$/m);
    } else {
      expect(during.code).toBe(0); // already back (kinesis-mock restarts in well under a second)
    }

    const states = await statesUntilRunning(dataDir, 'kinesis');
    expect(states.at(-1)).toBe('running');
    const after = await announcedRunning(dataDir, 'kinesis');
    expect(after?.endpoints).toEqual(info.endpoints);
    expect(after?.emulators?.kinesis).toMatchObject({ state: 'running', restarts: 1, lastExit: { how: 'SIGKILL' } });
    expect(after?.emulators?.kinesis.pid).not.toBe(killed);

    // The same client: the stream came back from the snapshot, with every record put before it.
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    expect(StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    expect(await readAll(kinesis, streamName)).toEqual([...written].sort());
    // ...and it takes new ones.
    await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: [{ Data: Buffer.from('record-after'), PartitionKey: 'k' }] }));
    written.push('record-after');
    expect(await readAll(kinesis, streamName)).toEqual([...written].sort());
    // DynamoDB was not touched by kinesis-mock's restart.
    const { Item } = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'd' } }, ConsistentRead: true }));
    expect(Item?.value?.S).toBe('after');
  }, 120_000);

  it('a stop during a restart stops the restarted emulator too, and nothing is left running', async () => {
    const service = info.pid;
    const killed = await emulatorPid(dataDir, 'dynamodb');
    const kinesisPid = await emulatorPid(dataDir, 'kinesis');
    process.kill(killed, 'SIGKILL');
    // Until the supervisor has noticed and launched the new JVM (the first backoff is 0.5 s).
    const deadline = Date.now() + 10_000;
    while ((await readStackInfo(dataDir))?.emulators?.dynamodb.pid === killed && Date.now() < deadline) await sleep(20);
    const restarting = await emulatorPid(dataDir, 'dynamodb');
    expect(restarting).not.toBe(killed);

    expect(await stopStack(dataDir)).toBe(service);
    for (const pid of [service, restarting, kinesisPid]) expect(pidAlive(pid)).toBe(false);
    expect(await readStackInfo(dataDir)).toBeUndefined();
    expect((await statusCommand(dataDir)).code).toBe(3);

    // The data is still all there for the next service (new ports, same files).
    ({ info } = await ensureStack(dataDir));
    const ddbNext = new DynamoDBClient({ endpoint: info.endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const kinesisNext = new KinesisClient({ endpoint: info.endpoints.kinesis, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, requestHandler: new NodeHttpHandler() });
    try {
      const { Item } = await ddbNext.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'a' } }, ConsistentRead: true }));
      expect(Item?.value?.S).toBe('kept-a');
      expect(await readAll(kinesisNext, streamName)).toEqual([...written].sort());
    } finally {
      ddbNext.destroy();
      kinesisNext.destroy();
    }
  }, 120_000);
});

describe('startLocalStack({ supervise }) when a restart fails', () => {
  let root: string | undefined;
  let stack: LocalStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('records the failure, keeps retrying with backoff, and recovers once the cause is gone', async () => {
    root = await mkdtemp(join(tmpdir(), 'eddy-stack-supervision-failing-'));
    const changes: EmulatorStatuses[] = [];
    stack = await startLocalStack({ dataDir: root, supervise: (emulators) => changes.push(emulators) });
    const client = new KinesisClient({ endpoint: stack.endpoints.kinesis, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, requestHandler: new NodeHttpHandler() });
    try {
      await createActiveStream(client, 'kept', 1);
      await client.send(new PutRecordsCommand({ StreamName: 'kept', Records: [{ Data: Buffer.from('one'), PartitionKey: 'k' }] }));
      await snapshotAfter(root, Date.now());
      const snapshot = await readFile(kinesisSnapshotPath(root), 'utf8');

      // kill -9, and a truncated snapshot before the first restart (0.5 s later): kinesis-mock dies on start with it.
      process.kill(stack.emulators().kinesis.pid!, 'SIGKILL');
      await writeFile(kinesisSnapshotPath(root), snapshot.slice(0, snapshot.length / 2));
      const deadline = Date.now() + 60_000;
      while (!(stack.emulators().kinesis.restarts >= 2 && stack.emulators().kinesis.failing)) {
        if (Date.now() > deadline) throw new Error(`no failed restarts recorded: ${JSON.stringify(stack.emulators())}`);
        await sleep(50);
      }
      const failing = stack.emulators().kinesis;
      expect(failing).toMatchObject({ state: 'restarting', lastExit: { how: 'SIGKILL' } });
      expect(failing.failing).toMatch(/kinesis emulator exited \(code \d+\) before becoming ready/);
      expect(changes.at(-1)?.kinesis.failing).toBe(failing.failing); // the listener (the service: stack.json) heard of it
      expect(stack.emulators().dynamodb).toMatchObject({ state: 'running', restarts: 0 });

      // The cause goes away; a later attempt (backoff 1 s, 2 s, 4 s ...) succeeds.
      await writeFile(kinesisSnapshotPath(root), snapshot);
      while (stack.emulators().kinesis.state !== 'running') {
        if (Date.now() > deadline) throw new Error(`kinesis not running again: ${JSON.stringify(stack.emulators())}`);
        await sleep(50);
      }
      expect(stack.emulators().kinesis.failing).toBeUndefined();
      expect(stack.emulators().kinesis.restarts).toBeGreaterThanOrEqual(2);
      expect(await readAll(client, 'kept')).toEqual(['one']);
    } finally {
      client.destroy();
    }
  }, 90_000);
});
