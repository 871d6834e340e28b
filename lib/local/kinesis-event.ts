import type { KinesisStreamEvent } from 'aws-lambda';
import type { ReadRecord } from '../runtime/shard-reader.ts';

/**
 * A Kinesis event exactly as Lambda delivers it to a function, for the local runner,
 * `eddy invoke` and sample events.
 *
 * @example
 * ```ts
 * const event = toKinesisEvent('order-timeout-order-timeout', 'shardId-000000000000', records);
 * await handler(event);
 * ```
 */
export function toKinesisEvent(stream: string, shardId: string, records: ReadRecord[], region = 'us-east-1', account = '000000000000'): KinesisStreamEvent {
  return {
    Records: records.map((r) => ({
      eventID: `${shardId}:${r.seq}`,
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      eventSource: 'aws:kinesis',
      awsRegion: region,
      invokeIdentityArn: `arn:aws:iam::${account}:role/eddy-local`,
      eventSourceARN: `arn:aws:kinesis:${region}:${account}:stream/${stream}`,
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.seq,
        data: Buffer.from(r.data).toString('base64'),
        approximateArrivalTimestamp: r.arrival / 1000,
      },
    })),
  };
}
