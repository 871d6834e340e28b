/** What a stage needs to know of a source: where its records come from and how to decode them. */
export interface SourceSpec<T> {
  kind: 'kinesis';
  /** Logical name, used by `--input <name>=<file>` and in the plan. */
  name: string;
  /** Physical stream name; default `<job>-source-<name>`. */
  streamName?: string;
  /** Shards of the source stream when eddy creates it (local runs); default 1. */
  shards: number;
  /** The source stage's batching window, overriding the job's `maximumBatchingWindowInSeconds` (see `StageOptions`). */
  batchingWindowSeconds?: number;
  /** Partition key a local feeder uses when writing records of this source. */
  partitionKey?: (value: T) => string;
  /** Parses one record's bytes; throws a {@link DecodeError} for a bad record. */
  decode(data: Uint8Array): T;
  /**
   * The records are an eddy sink's with output ids (`{"id", "value"}`, `KinesisSink.json(…, {
   * outputIds: true })`): the source keeps each id once for `ttlMs` (lib/api/output-id-source.ts),
   * decoding each record with `decodeOutputRecord`.
   */
  outputIds?: { ttlMs: number };
  decodeOutputRecord?(data: Uint8Array): OutputRecord<T>;
}

/** A record of a Kinesis sink with output ids: the output and the id it keeps however often it is put. */
export interface OutputRecord<T> {
  id: string;
  value: T;
}

/** A record that cannot become an event: it goes to the dead-letter table with `reason`. */
export class DecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DecodeError';
  }
}
