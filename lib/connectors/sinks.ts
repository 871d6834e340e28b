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
  /**
   * `outputIds: true` wraps each record as `{"id", "value"}` with a deterministic output id, for
   * consumers that keep each output once — an eddy job's `KinesisSource.json(name, { outputIds })`.
   *
   * @example
   * ```ts
   * totals.sinkTo(KinesisSink.json('totals', { partitionKey: (t) => t.userId, outputIds: true }));
   * ```
   */
  json<T>(name: string, options: { streamName?: string; partitionKey: (value: T) => string; outputIds?: boolean }): SinkSpec<T> {
    return { kind: 'kinesis', name, streamName: options.streamName, partitionKey: options.partitionKey, outputIds: options.outputIds };
  },
};

/**
 * The bytes a Kinesis sink puts for one output: the output's JSON, or, with `outputIds`, the
 * output wrapped with its id (what `KinesisSource.json(name, { outputIds })` reads back).
 *
 * @example
 * ```ts
 * kinesisSinkRecord({ json: '{"n":1}', id: 's/0/9/0' }, true); // '{"id":"s/0/9/0","value":{"n":1}}'
 * ```
 */
export function kinesisSinkRecord(record: { json: string; id: string }, outputIds: boolean | undefined): string {
  // What JSON.stringify({ id, value }) gives, without encoding the value a second time.
  return outputIds ? `{"id":${JSON.stringify(record.id)},"value":${record.json}}` : record.json;
}

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
