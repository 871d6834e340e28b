/**
 * Records written by the Kinesis Producer Library with aggregation (or any producer using its
 * format: magic bytes, a protobuf `AggregatedRecord`, an MD5 checksum) hold many user records in
 * one Kinesis record. A source reads the user records, in order, as if each had been put alone
 * (lib/runtime/source-batch.ts); an aggregate that is malformed — bad checksum, bad protobuf — is
 * a bad record, dead-lettered whole. Decoding is `aws-kinesis-agg` (awslabs' implementation).
 */
import { deaggregateSync } from 'aws-kinesis-agg/lib/kpl-deagg.js';
import { DecodeError } from './source-spec.ts';

/** The KPL format's magic number, the first four bytes of an aggregated record. */
const MAGIC = [0xf3, 0x89, 0x9a, 0xc2];

/**
 * Whether a Kinesis record's data is a KPL aggregate.
 *
 * @example
 * ```ts
 * isAggregated(Buffer.from('{"a":1}')); // false
 * ```
 */
export function isAggregated(data: Uint8Array): boolean {
  return data.length >= 4 && MAGIC.every((b, i) => data[i] === b);
}

/**
 * The user records of a KPL aggregate, in order; throws a {@link DecodeError} when it is malformed.
 *
 * @example
 * ```ts
 * for (const data of userRecords(record.data)) decode(data);
 * ```
 */
export function userRecords(data: Uint8Array): Uint8Array[] {
  let failure: Error | undefined;
  let records: Uint8Array[] = [];
  deaggregateSync({ data: Buffer.from(data).toString('base64'), partitionKey: '', sequenceNumber: '0' }, true, (error, found) => {
    failure ??= error ?? undefined;
    if (found) records = found.map((r) => Buffer.from(r.data, 'base64'));
  });
  if (failure) throw new DecodeError(`malformed KPL aggregated record: ${failure.message}`);
  return records;
}
