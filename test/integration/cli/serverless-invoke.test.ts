/**
 * `serverless invoke local` runs a stage's bundled Lambda handler on a sample event against the
 * emulators of the test run, offline, with the repository's own serverless.yml (the job chosen
 * by EDDY_JOB), as a user runs it: eddy's Serverless plugin bundles the handlers first.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { createClients, resolveAwsTarget, type AwsClients } from '../../../lib/aws/config.ts';
import { DynamoDbStore } from '../../../lib/aws/dynamodb-store.ts';
import { provisionPlan } from '../../../lib/aws/provision.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { readCheckpoint } from '../../../lib/runtime/checkpoint.ts';
import { servicesFromEnvironment } from '../../../lib/aws/services.ts';
import { stageStateView } from '../../../lib/runtime/inspect.ts';
import { localEndpoints } from '../../support/stack.ts';

const run = promisify(execFile);

let clients: AwsClients;
let env: Record<string, string>;
beforeAll(async () => {
  const endpoints = localEndpoints();
  env = { EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, EDDY_RESOURCE_PREFIX: `sls${process.pid}-`, AWS_REGION: 'us-east-1' };
  clients = createClients(resolveAwsTarget(env));
  await provisionPlan(planJob(job.graph), clients, env.EDDY_RESOURCE_PREFIX); // serverless deploy's part, here
}, 180_000);
afterAll(async () => {
  clients?.dynamodb.destroy();
  clients?.kinesis.destroy();
});

/** `serverless invoke local -f <fn> --path <event> -e ...`: the handler's response (the last JSON on stdout). */
async function invokeLocal(fn: string, event: string): Promise<unknown> {
  const args = ['invoke', 'local', '-f', fn, '--path', resolve(event), ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`])];
  const { stdout } = await run(resolve('node_modules/.bin/serverless'), args, {
    env: { ...process.env, EDDY_JOB: 'order-timeout', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', EDDY_METRICS: 'off' },
    timeout: 120_000,
  });
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\n{') + 1));
}

describe('serverless invoke local', () => {
  it('runs the bundled stages of order-timeout on their sample events', async () => {
    const store = new DynamoDbStore(clients.documents, { state: `${env.EDDY_RESOURCE_PREFIX}order-timeout-state`, 'dead-letter': `${env.EDDY_RESOURCE_PREFIX}order-timeout-dead-letter` });
    const sourceEvent = JSON.parse(await readFile('test/events/order-timeout/source-orders.json', 'utf8'));
    expect(await invokeLocal('sourceOrders', 'test/events/order-timeout/source-orders.json')).toEqual({ batchItemFailures: [] });
    expect((await readCheckpoint(store, 'source-orders', 'shardId-000000000000'))?.seq).toBe(sourceEvent.Records.at(-1).kinesis.sequenceNumber);

    const keyedEvent = JSON.parse(await readFile('test/events/order-timeout/order-timeout.json', 'utf8'));
    const shard = keyedEvent.Records[0].eventID.split(':')[0];
    expect(await invokeLocal('orderTimeout', 'test/events/order-timeout/order-timeout.json')).toEqual({ batchItemFailures: [] });
    expect((await readCheckpoint(store, 'order-timeout', shard))?.seq).toBe(keyedEvent.Records.at(-1).kinesis.sequenceNumber);
    const plan = planJob(job.graph);
    const outcome = await (await stageStateView(servicesFromEnvironment(job, plan, env), plan, 'order-timeout')).query('state', 's#order-timeout#"o-1"');
    expect(outcome.find((i) => i.sk === 'outcome#-')?.attrs.v).toBe('"paid"');
  }, 180_000);
});
