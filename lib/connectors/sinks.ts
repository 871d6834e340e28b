import type { SinkSpec } from './sink-spec.ts';

/**
 * A Kinesis stream sink of JSON records.
 *
 * @example
 * ```ts
 * timeouts.sinkTo(KinesisSink.json('timeouts', { partitionKey: (t) => t.orderId }));
 * ```
 */
export const KinesisSink = {
  json<T>(name: string, options: { streamName?: string; partitionKey: (value: T) => string }): SinkSpec<T> {
    return { kind: 'kinesis', name, streamName: options.streamName, partitionKey: options.partitionKey };
  },
};

/**
 * A DynamoDB table sink; each output is an item under a deterministic key, so a re-delivered
 * output overwrites itself.
 *
 * @example
 * ```ts
 * paid.sinkTo(DynamoDbSink.table('paid', { key: (p) => p.orderId }));
 * ```
 */
export const DynamoDbSink = {
  table<T>(name: string, options: { tableName?: string; key: (value: T) => string }): SinkSpec<T> {
    return { kind: 'dynamodb', name, tableName: options.tableName, key: options.key };
  },
};
