import type { SinkRecordOut } from '../runtime/outputs.ts';

/**
 * Writes a batch's sink outputs (I/O only). Implementations: `FileSinkWriter` for local runs
 * with `--out`, `AwsSinkWriter` for Kinesis and DynamoDB sinks.
 */
export interface SinkWriter {
  write(records: SinkRecordOut[]): Promise<void>;
}
