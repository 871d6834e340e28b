/**
 * How AWS bills the units `eddy cost` counts, one rule per function, so that each can be
 * checked against the published rules on its own:
 *
 * - Kinesis: a record's size is its data plus its partition key. Provisioned mode charges
 *   PUT payload units of 25 KB per record; on-demand mode charges data in (and, as assumed
 *   here, data retrieved) per GB with each record rounded up to 1 KB.
 * - DynamoDB (on-demand, strongly consistent reads as `DynamoDbStore` makes them): a read is
 *   ⌈size / 4 KB⌉ units per item, a key that finds nothing one unit, a Query ⌈sum of the sizes
 *   / 4 KB⌉ (at least one); a write ⌈size / 1 KB⌉ of the larger of the old and new item (a
 *   delete: the old item, at least one), doubled inside TransactWriteItems.
 * - Lambda: duration billed per invocation, rounded up to 1 ms.
 */
import { itemSize } from './item-size.ts';
import type { Item } from '../state/store.ts';

export const KB = 1024;
/** One PUT payload unit covers this much of a record (provisioned mode). */
export const PUT_PAYLOAD_UNIT_BYTES = 25 * KB;

/**
 * Bytes of a Kinesis record as billed: data and partition key.
 *
 * @example
 * ```ts
 * kinesisRecordBytes(Buffer.from('{"a":1}'), 'k-1'); // 7 + 3 = 10
 * ```
 */
export function kinesisRecordBytes(data: Uint8Array, partitionKey: string): number {
  return data.length + Buffer.byteLength(partitionKey, 'utf8');
}

/**
 * PUT payload units of one record: 25 KB chunks, at least one.
 *
 * @example
 * ```ts
 * putPayloadUnits(5 * 1024); // 1
 * putPayloadUnits(45 * 1024); // 2
 * ```
 */
export function putPayloadUnits(recordBytes: number): number {
  return Math.max(1, Math.ceil(recordBytes / PUT_PAYLOAD_UNIT_BYTES));
}

/**
 * KB billed for one record in on-demand mode: its size rounded up to 1 KB, at least 1.
 *
 * @example
 * ```ts
 * onDemandBilledKb(4.5 * 1024); // 5
 * ```
 */
export function onDemandBilledKb(recordBytes: number): number {
  return Math.max(1, Math.ceil(recordBytes / KB));
}

/**
 * Read units of one strongly consistent read of `bytes` (an item, or the items a Query returns).
 *
 * @example
 * ```ts
 * readUnits(0); // 1: a key that finds nothing, an empty Query
 * readUnits(5000); // 2
 * ```
 */
export function readUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / (4 * KB)));
}

/**
 * Write units of one item write outside a transaction (`× 2` inside TransactWriteItems).
 *
 * @example
 * ```ts
 * writeUnits(1025); // 2
 * ```
 */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

/**
 * Lambda's billed duration of one invocation: rounded up to 1 ms, at least 1 ms.
 *
 * @example
 * ```ts
 * billedLambdaMs(3.2); // 4
 * ```
 */
export function billedLambdaMs(measuredMs: number): number {
  return Math.max(1, Math.ceil(measuredMs));
}

/**
 * Size of a store item as `DynamoDbStore` writes it (its attributes plus `pk` and `sk`).
 *
 * @example
 * ```ts
 * storedItemSize({ table: 'state', pk: 'p', sk: 's', attrs: { v: 'abc' } }); // 10: names and values of v, pk, sk
 * ```
 */
export function storedItemSize(item: Item): number {
  return itemSize({ ...item.attrs, pk: item.pk, sk: item.sk });
}
