/**
 * `serverless invoke local` runs a stage's bundled Lambda handler (infra/bundle.ts) on a
 * sample event against the emulators of the test run, offline.
 *
 * One workaround, and why: the bundles are `dist/<job>/<function>.mjs`, and Serverless
 * Framework v3's `invoke local` loads a handler with `require()` (then `<path>.js` for an ES
 * module, then `<path>.cjs`), never `.mjs`; with the repository's serverless.yml it fails with
 * "Exception encountered when loading dist/<job>/<function>.cjs". So the test serves the very
 * same bundle as `<function>.js` beside a `{"type":"module"}` package.json, from a minimal
 * service of its own — the rest (the framework's invoke local, its Lambda-like environment
 * and context, the handler, the event) is the real thing.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import job from '../../../functions/order-timeout/job.ts';
import { createClients, resolveAwsTarget, type AwsClients } from '../../../lib/aws/config.ts';
import { DynamoDbStore } from '../../../lib/aws/dynamodb-store.ts';
import { provisionPlan } from '../../../lib/aws/provision.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { readCheckpoint } from '../../../lib/runtime/checkpoint.ts';
import { localEndpoints } from '../../support/stack.ts';

const run = promisify(execFile);
const FUNCTIONS = ['sourceOrders', 'orderTimeout'];

let service = '';
let clients: AwsClients;
let env: Record<string, string>;
beforeAll(async () => {
  await run(process.execPath, ['bin/run-ts.mjs', 'infra/bundle.ts', '--job', 'order-timeout'], { timeout: 120_000 });
  service = await mkdtemp(join(tmpdir(), 'eddy-sls-invoke-'));
  for (const fn of FUNCTIONS) await copyFile(join('dist', 'order-timeout', `${fn}.mjs`), join(service, `${fn}.js`));
  await writeFile(join(service, 'package.json'), '{ "type": "module" }\n');
  const functions = FUNCTIONS.map((fn) => `  ${fn}:\n    handler: ${fn}.${fn}\n    timeout: 60`).join('\n');
  await writeFile(join(service, 'serverless.yml'), `service: eddy-invoke-local\nframeworkVersion: '3'\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  region: us-east-1\nfunctions:\n${functions}\n`);

  const endpoints = localEndpoints();
  env = { EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, EDDY_RESOURCE_PREFIX: `sls${process.pid}-`, AWS_REGION: 'us-east-1' };
  clients = createClients(resolveAwsTarget(env));
  await provisionPlan(planJob(job.graph), clients, env.EDDY_RESOURCE_PREFIX); // serverless deploy's part, here
}, 180_000);
afterAll(async () => {
  clients?.dynamodb.destroy();
  clients?.kinesis.destroy();
  if (service) await rm(service, { recursive: true, force: true });
});

/** `serverless invoke local -f <fn> --path <event> -e ...`: the handler's response (the last JSON on stdout). */
async function invokeLocal(fn: string, event: string): Promise<unknown> {
  const args = ['invoke', 'local', '-f', fn, '--path', resolve(event), ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`])];
  const { stdout } = await run(resolve('node_modules/.bin/serverless'), args, {
    cwd: service,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', EDDY_METRICS: 'off' },
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
    const outcome = await store.query('state', 's#order-timeout#"o-1"');
    expect(outcome.find((i) => i.sk === 'outcome#-')?.attrs.v).toBe('"paid"');
  }, 180_000);
});
