/**
 * The Serverless Framework (v3) view of a plan: functions with their Kinesis event source
 * mappings and the sweep schedule, the streams and tables as CloudFormation resources, and
 * IAM statements naming exactly those resources. serverless.yml pulls this in through
 * `infra/serverless.cjs`, so nothing about a job is written twice.
 */
import { handlerName, type Plan } from './plan.ts';

const cfName = (name: string) => name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase());
const streamId = (name: string) => `Stream${cfName(name)}`;
const tableId = (name: string) => `Table${cfName(name)}`;

/**
 * @example
 * ```ts
 * const { functions, resources, iamStatements } = toServerless(plan, 'dist/order-timeout/handler');
 * ```
 */
export function toServerless(plan: Plan, handlerModule: string) {
  const functions: Record<string, unknown> = {};
  for (const stage of plan.stages) {
    functions[handlerName(stage.id)] = {
      handler: `${handlerModule}.${handlerName(stage.id)}`,
      description: `eddy ${plan.job}: stage ${stage.id}`,
      timeout: 60,
      events: [
        {
          stream: {
            type: 'kinesis',
            arn: { 'Fn::GetAtt': [streamId(stage.input.stream), 'Arn'] },
            batchSize: stage.batchSize,
            startingPosition: 'TRIM_HORIZON',
            functionResponseType: 'ReportBatchItemFailures',
            bisectBatchOnFunctionError: false,
            parallelizationFactor: 1,
          },
        },
      ],
    };
  }
  if (plan.sweep) {
    functions.sweep = {
      handler: `${handlerModule}.sweep`,
      description: `eddy ${plan.job}: fires timers of shards without data`,
      timeout: 70,
      events: [{ schedule: plan.sweep.schedule }],
    };
  }
  const resources: Record<string, unknown> = {};
  for (const s of plan.streams) {
    resources[streamId(s.name)] = {
      Type: 'AWS::Kinesis::Stream',
      Properties: { Name: s.name, ShardCount: s.shards, StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } },
    };
  }
  for (const t of plan.tables) {
    const keys = t.role === 'sink' ? [{ AttributeName: 'id', KeyType: 'HASH' }] : [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }];
    resources[tableId(t.name)] = {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: t.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keys,
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' })),
        SSESpecification: { SSEEnabled: true },
        ...(t.role === 'state' && { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }),
      },
    };
  }
  const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const iamStatements = [
    {
      Effect: 'Allow',
      Action: ['kinesis:PutRecords', 'kinesis:ListShards', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:ListStreams'],
      Resource: plan.streams.map((s) => arn(streamId(s.name))),
    },
    {
      Effect: 'Allow',
      Action: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'],
      Resource: plan.tables.map((t) => arn(tableId(t.name))),
    },
  ];
  return { functions, resources, iamStatements };
}
