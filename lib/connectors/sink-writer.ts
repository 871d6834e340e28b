import type { SinkRecordOut } from '../runtime/outputs.ts';

/**
 * Writes a batch's sink outputs (I/O only). Implementations: `FileSinkWriter` for local runs
 * with `--out`, `AwsSinkWriter` for Kinesis and DynamoDB sinks.
 */
export interface SinkWriter {
  write(records: SinkRecordOut[]): Promise<void>;
}

/**
 * The log line of one record of a print sink (`DataStream.print(name)`), as Flink prints
 * `identifier> value`.
 *
 * @example
 * ```ts
 * printLine('big-orders', { json: '{"orderId":"o-1"}' }); // 'big-orders> {"orderId":"o-1"}'
 * ```
 */
export function printLine(name: string, record: Pick<SinkRecordOut, 'json'>): string {
  return `${name}> ${record.json}`;
}

/**
 * Sink records by sink, each sink's in output order: writers send one request per sink.
 *
 * @example
 * ```ts
 * for (const [sink, rows] of groupBySink(records)) await write(sink, rows);
 * ```
 */
export function groupBySink(records: SinkRecordOut[]): Map<string, SinkRecordOut[]> {
  const bySink = new Map<string, SinkRecordOut[]>();
  for (const r of records) {
    const rows = bySink.get(r.sink);
    if (rows) rows.push(r);
    else bySink.set(r.sink, [r]);
  }
  return bySink;
}
