/**
 * Creates what a plan needs on the embedded stack or LocalStack: its Kinesis streams and
 * DynamoDB tables (pk/sk, on-demand, native TTL on the state table). On AWS the same
 * resources come from serverless.yml, derived from the same plan. Idempotent.
 *
 * Every stream is created provisioned with the plan's shard count, also an internal stream
 * planned on-demand: a local run then has the plan's parallelism, and kinesis-mock, which can
 * create on-demand streams, allows only 10 of them per stack by default
 * (`ON_DEMAND_STREAM_COUNT_LIMIT`), while one stack serves many jobs (every test, every
 * `eddy run` of a data dir). The mode changes the AWS bill, not what a job does.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { Plan } from '../plan/plan.ts';
import { NATIVE_TTL_ATTRIBUTE } from '../state/ttl.ts';
import type { AwsClients } from './config.ts';

/**
 * @example
 * ```ts
 * await provisionPlan(plan, clients, 'replay-1234-');
 * ```
 */
export async function provisionPlan(plan: Plan, clients: AwsClients, prefix = ''): Promise<void> {
  await Promise.all([
    ...plan.tables.map((t) => createTable(clients.dynamodb, prefix + t.name, t.role === 'sink' ? 'id' : undefined, t.role === 'state')),
    ...plan.streams.map((s) => createStream(clients.kinesis, prefix + s.name, s.shards)),
  ]);
}

async function createTable(dynamodb: DynamoDBClient, name: string, hashOnly: string | undefined, ttl: boolean): Promise<void> {
  const keys = hashOnly ? [{ AttributeName: hashOnly, KeyType: 'HASH' as const }] : [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }];
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keys,
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' as const })),
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  await untilActive(`table ${name}`, async () => (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus);
  if (ttl) {
    try {
      await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: NATIVE_TTL_ATTRIBUTE, Enabled: true } }));
    } catch (error) {
      // Already enabled (a re-provisioned table) is fine.
      if (!/already enabled/i.test((error as Error).message)) throw error;
    }
  }
}

async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  await untilActive(`stream ${name}`, async () => (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus);
}

/** Polls a resource's status until ACTIVE (a minute at most). */
async function untilActive(what: string, status: () => Promise<string | undefined>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await status()) === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not become ACTIVE within a minute`);
}
