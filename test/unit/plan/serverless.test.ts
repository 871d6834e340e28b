/**
 * The serverless view of a plan for what the scenario jobs do not exercise (the offline
 * `serverless package` test covers those): DynamoDB sinks, job options and per-stage settings
 * that change the event source mappings, streams and tables, and Lambda's limits refused at
 * deployment, not in memory.
 */
import { describe, expect, it } from 'vitest';
import { DynamoDbSink, Job, KeyedProcessFunction, KinesisSource, WatermarkStrategy, type Collector, type JobOptions, type KeyedContext } from '../../../lib/api/index.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { iamStatements, lambdaFunctions, toServerless } from '../../../lib/plan/serverless.ts';
import { sink, tsSource } from '../support/tiny.ts';

type Ev = { k: string; v: number; ts: number };

class Pass extends KeyedProcessFunction<string, Ev, Ev> {
  async processElement(e: Ev, _ctx: KeyedContext<string>, out: Collector<Ev>) {
    out.collect(e);
  }
}

function job(options: JobOptions = {}) {
  const j = new Job('t-sls', options);
  const src = tsSource<Ev>(j);
  src.filter((e) => e.v > 100).sinkTo(DynamoDbSink.table('big', { key: (e) => e.k }));
  src.keyBy((e) => e.k).process(new Pass(), { uid: 'pass' }).sinkTo(sink('out'));
  return j;
}

const mapping = (sls: ReturnType<typeof toServerless>, fn: string) => (sls.functions[fn] as { events: { stream: Record<string, unknown> }[] }).events[0].stream;

describe('toServerless', () => {
  it('uses the job defaults: never skip a record, one batch per shard at a time, TRIM_HORIZON, no PITR', () => {
    const sls = toServerless(planJob(job().graph));
    expect(lambdaFunctions(planJob(job().graph))).toEqual(['sourceIn', 'pass', 'sweep']);
    for (const fn of ['sourceIn', 'pass']) {
      expect(mapping(sls, fn)).toMatchObject({
        batchSize: 1000, batchWindow: 0, parallelizationFactor: 1, bisectBatchOnFunctionError: false,
        maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, startingPosition: 'TRIM_HORIZON', functionResponseType: 'ReportBatchItemFailures',
      });
    }
    const tables = Object.values(sls.resources).filter((r: any) => r.Type === 'AWS::DynamoDB::Table') as any[];
    expect(tables.map((t) => [t.Properties.TableName, t.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled])).toEqual([
      ['t-sls-state', false], ['t-sls-dead-letter', false], ['t-sls-sink-big', false],
    ]);
    expect(tables[2].Properties.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
  });

  it('applies the job options; LATEST only for source stages (an internal stream must be read from its start)', () => {
    const sls = toServerless(planJob(job({ batchSize: 500, maximumBatchingWindowInSeconds: 5, bisectBatchOnFunctionError: true, maximumRetryAttempts: 3, maximumRecordAgeInSeconds: 3600, startingPosition: 'LATEST', pointInTimeRecovery: true }).graph));
    expect(mapping(sls, 'sourceIn')).toMatchObject({ batchSize: 500, batchWindow: 5, bisectBatchOnFunctionError: true, maximumRetryAttempts: 3, maximumRecordAgeInSeconds: 3600, startingPosition: 'LATEST' });
    expect(mapping(sls, 'pass')).toMatchObject({ batchSize: 500, startingPosition: 'TRIM_HORIZON' });
    const tables = Object.values(sls.resources).filter((r: any) => r.Type === 'AWS::DynamoDB::Table') as any[];
    expect(tables.every((t) => t.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)).toBe(true);
  });

  it("sets each stage's own batching window, the job's where it has none", () => {
    const j = new Job('t-sls-windows', { maximumBatchingWindowInSeconds: 3 });
    const src = j.fromSource(KinesisSource.json<Ev>('in', { batchingWindowSeconds: 0 }), WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.ts));
    src.keyBy((e) => e.k).process(new Pass(), { uid: 'slow', batchingWindowSeconds: 60 }).sinkTo(sink('a'));
    src.keyBy((e) => e.k).process(new Pass(), { uid: 'usual' }).sinkTo(sink('b'));
    const sls = toServerless(planJob(j.graph));
    expect(['sourceIn', 'slow', 'usual'].map((fn) => mapping(sls, fn).batchWindow)).toEqual([0, 60, 3]);
  });

  it('creates internal streams in their mode (on-demand without a shard count), source and sink streams with their shards', () => {
    const streams = (options: JobOptions) =>
      Object.fromEntries(Object.values(toServerless(planJob(job(options).graph)).resources).filter((r: any) => r.Type === 'AWS::Kinesis::Stream').map((r: any) => {
        const { Name, StreamEncryption, ...capacity } = r.Properties;
        expect(StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
        return [Name, capacity];
      }));
    expect(streams({ internalStreamMode: 'on-demand' })).toEqual({
      't-sls-source-in': { ShardCount: 1 },
      't-sls-pass': { StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
      't-sls-sink-out': { ShardCount: 1 },
    });
    expect(streams({ internalStreamMode: 'provisioned', parallelism: 3 })).toEqual({
      't-sls-source-in': { ShardCount: 1 },
      't-sls-pass': { ShardCount: 3, StreamModeDetails: { StreamMode: 'PROVISIONED' } },
      't-sls-sink-out': { ShardCount: 1 },
    });
  });

  it('lets the stage that writes a DynamoDB sink BatchWriteItem on that table only', () => {
    const plan = planJob(job().graph);
    const grants = (fn: string) => iamStatements(plan, fn).flatMap((s) => s.Resource.map((r: any) => `${r['Fn::GetAtt'][0]} ${s.Action.join(',')}`));
    expect(grants('sourceIn')).toContain('TableTSlsSinkBig dynamodb:BatchWriteItem');
    expect(grants('pass').filter((g) => g.startsWith('TableTSlsSinkBig'))).toEqual([]);
    expect(grants('sweep').filter((g) => g.startsWith('TableTSlsSinkBig'))).toEqual([]);
  });

  it('refuses two resources that CloudFormation would name alike', () => {
    const j = new Job('t-ids');
    const src = tsSource<Ev>(j);
    src.sinkTo(sink('a-b'));
    src.sinkTo(sink('a_b'));
    expect(() => toServerless(planJob(j.graph))).toThrow(/stream t-ids-sink-a_b gets the CloudFormation id StreamTIdsSinkAB/);
  });

  it("refuses settings outside Lambda's limits when deploying, while the plan (and in-memory runs) accept them", () => {
    for (const [options, message] of [
      [{ batchSize: 20_000 }, /batchSize must be an integer from 1 to 10000/],
      [{ maximumBatchingWindowInSeconds: 301 }, /maximumBatchingWindowInSeconds/],
      [{ maximumRetryAttempts: -2 }, /maximumRetryAttempts/],
      [{ maximumRecordAgeInSeconds: 30 }, /maximumRecordAgeInSeconds must be -1 \(no limit\) or an integer from 60 to 604800/],
    ] as const) {
      const plan = planJob(job(options).graph);
      expect(() => toServerless(plan)).toThrow(message);
    }
  });
});
