import type { ZodType } from 'zod';
import type { StageOptions } from '../api/stage-options.ts';
import { decodeDebezium, decodeMaxwell, type DebeziumRecord, type MaxwellRecord } from './change-records.ts';
import { DecodeError, type OutputRecord, type SourceSpec } from './source-spec.ts';

/** A decoded change record together with the JSON object it came from (for passing it on whole). */
export type WithRaw<R> = R & { raw: Record<string, unknown> };

/** Options of a Kinesis source; `batchingWindowSeconds` applies to the source's stage. */
export interface KinesisJsonSourceOptions<T> extends StageOptions {
  /** Validates and types each record; a record that fails goes to the dead-letter table. */
  schema?: ZodType<T>;
  /** Physical stream name; default `<job>-source-<name>`. */
  streamName?: string;
  /** Shards when eddy creates the stream (local runs); default 1. */
  shards?: number;
  /** Partition key used by `eddy feed` / replay when writing this source. */
  partitionKey?: (value: T) => string;
  /**
   * The stream is an eddy job's Kinesis sink written with `outputIds: true`: each record is
   * `{"id", "value"}` (the value is what `schema` checks), and each id is kept once — a record put
   * again by a retried batch upstream is dropped — for `ttlMs` (default 24 h, Kinesis's default
   * retention), which bounds the state it takes. Exactly once from job to job.
   */
  outputIds?: boolean | { ttlMs: number };
}

/** How long a source with `outputIds` remembers an id by default: Kinesis's default retention. */
const OUTPUT_ID_TTL_MS = 24 * 3_600_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A Kinesis stream of JSON records.
 *
 * @example
 * ```ts
 * const Order = z.object({ orderId: z.string().min(1), ts: z.number().int().nonnegative() });
 * const orders = job.fromSource(
 *   KinesisSource.json('orders', { schema: Order }),
 *   WatermarkStrategy.forBoundedOutOfOrderness<z.infer<typeof Order>>(5000).withTimestampAssigner((o) => o.ts),
 * );
 * ```
 */
export const KinesisSource = {
  json<T = unknown>(name: string, options: KinesisJsonSourceOptions<T> = {}): SourceSpec<T> {
    return {
      kind: 'kinesis',
      name,
      streamName: options.streamName,
      shards: options.shards ?? 1,
      batchingWindowSeconds: options.batchingWindowSeconds,
      partitionKey: options.partitionKey,
      decode: (data) => decodeJson(data, options.schema),
      ...(options.outputIds && {
        outputIds: { ttlMs: options.outputIds === true ? OUTPUT_ID_TTL_MS : options.outputIds.ttlMs },
        decodeOutputRecord: (data: Uint8Array) => decodeOutputRecord(data, options.schema),
      }),
    };
  },

  /**
   * A Kinesis stream of Maxwell JSON change records (MySQL binlog). Malformed change records
   * go to the dead-letter table with the reason; `tsMs` is Maxwell's `ts` (seconds) in ms.
   *
   * @example
   * ```ts
   * const changes = job.fromSource(KinesisSource.maxwell('maxwell'),
   *   WatermarkStrategy.forBoundedOutOfOrderness<WithRaw<MaxwellRecord>>(5000).withTimestampAssigner((c) => c.tsMs));
   * ```
   */
  maxwell(name: string, options: Omit<KinesisJsonSourceOptions<Record<string, unknown>>, 'schema'> = {}): SourceSpec<WithRaw<MaxwellRecord>> {
    return changeSource(name, options, decodeMaxwell);
  },

  /** A Kinesis stream of Debezium JSON change events. @example `KinesisSource.debezium('inventory-cdc')` */
  debezium(name: string, options: Omit<KinesisJsonSourceOptions<Record<string, unknown>>, 'schema'> = {}): SourceSpec<WithRaw<DebeziumRecord>> {
    return changeSource(name, options, decodeDebezium);
  },
};

function changeSource<R>(name: string, options: Omit<KinesisJsonSourceOptions<Record<string, unknown>>, 'schema'>, decode: (value: unknown) => R): SourceSpec<WithRaw<R>> {
  return {
    kind: 'kinesis',
    name,
    streamName: options.streamName,
    shards: options.shards ?? 1,
    batchingWindowSeconds: options.batchingWindowSeconds,
    partitionKey: options.partitionKey as ((value: WithRaw<R>) => string) | undefined,
    decode: (data) => {
      const raw = decodeJson<Record<string, unknown>>(data, undefined);
      return { ...decode(raw), raw };
    },
  };
}

function decodeOutputRecord<T>(data: Uint8Array, schema: ZodType<T> | undefined): OutputRecord<T> {
  const record = decodeJson<Record<string, unknown>>(data, undefined);
  if (typeof record !== 'object' || record === null || typeof record.id !== 'string' || record.id === '' || !('value' in record)) {
    throw new DecodeError('expected an eddy output record {"id", "value"} (a Kinesis sink with outputIds: true)');
  }
  return { id: record.id, value: checked(record.value, schema) };
}

function decodeJson<T>(data: Uint8Array, schema: ZodType<T> | undefined): T {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    throw new DecodeError('record is not valid UTF-8');
  }
  if (text.trim() === '') throw new DecodeError('empty record');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  return checked(value, schema);
}

function checked<T>(value: unknown, schema: ZodType<T> | undefined): T {
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
  throw new DecodeError(`schema: ${issues.join('; ')}`);
}
