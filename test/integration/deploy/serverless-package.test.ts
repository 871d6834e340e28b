/**
 * `serverless package` works offline and derives everything from the plan: a function with a
 * Kinesis mapping (ReportBatchItemFailures) per stage, the sweep on a schedule, streams and
 * tables with encryption and native TTL, IAM without wildcards.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('packages order-timeout with every resource derived from its plan', async () => {
  await run('node', ['bin/run-ts.mjs', 'infra/bundle.ts']);
  const out = await mkdtemp(join(tmpdir(), 'eddy-sls-'));
  await run('npx', ['serverless', 'package', '--package', out], { env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' }, timeout: 120_000 });
  const template = JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  const resources = Object.values(template.Resources) as { Type: string; Properties: any }[];
  const of = (type: string) => resources.filter((r) => r.Type === type);

  const mappings = of('AWS::Lambda::EventSourceMapping');
  expect(mappings).toHaveLength(2); // source-orders and order-timeout
  for (const m of mappings) {
    expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m.Properties.StartingPosition).toBe('TRIM_HORIZON');
  }
  expect(of('AWS::Events::Rule').map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(1 minute)']);
  const streams = of('AWS::Kinesis::Stream');
  expect(streams.map((s) => s.Properties.Name).sort()).toEqual(
    ['order-timeout-order-timeout', 'order-timeout-sink-late-payments', 'order-timeout-sink-paid', 'order-timeout-sink-timeouts', 'order-timeout-source-orders'],
  );
  for (const s of streams) expect(s.Properties.StreamEncryption.EncryptionType).toBe('KMS');
  const tables = of('AWS::DynamoDB::Table');
  const state = tables.find((t) => t.Properties.TableName === 'order-timeout-state');
  expect(state?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  for (const t of tables) {
    expect(t.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true });
  }
  const policies = JSON.stringify(of('AWS::IAM::Role').map((r) => r.Properties.Policies));
  const actions = [...policies.matchAll(/"Action":\[(.*?)\]/g)].flatMap((m) => JSON.parse(`[${m[1]}]`));
  expect(actions.filter((a: string) => a.includes('*') && !a.startsWith('logs:'))).toEqual([]);
}, 180_000);
