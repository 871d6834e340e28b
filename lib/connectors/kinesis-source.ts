import type { ZodType } from 'zod';
import { DecodeError, type SourceSpec } from './source-spec.ts';

export interface KinesisJsonSourceOptions<T> {
  /** Validates and types each record; a record that fails goes to the dead-letter table. */
  schema?: ZodType<T>;
  /** Physical stream name; default `<job>-source-<name>`. */
  streamName?: string;
  /** Shards when eddy creates the stream (local runs); default 1. */
  shards?: number;
  /** Partition key used by `eddy feed` / replay when writing this source. */
  partitionKey?: (value: T) => string;
}

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
      partitionKey: options.partitionKey,
      decode: (data) => decodeJson(data, options.schema),
    };
  },
};

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
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
  throw new DecodeError(`schema: ${issues.join('; ')}`);
}
