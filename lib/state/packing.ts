/**
 * How eddy stores JSON it pays for per kilobyte (redo logs, changelog entries, snapshot parts):
 * Brotli-compressed, as a DynamoDB binary attribute behind a one-byte format marker. The JSON of
 * items repeats every key prefix and attribute name, so it compresses to a fraction; a binary
 * attribute is billed by its bytes, where the base64 of a string attribute added a third.
 *
 * Measured on the changelog entries of the scenario jobs (docs/benchmarks.md, "Packing"):
 * order-join at 1,000 events/s, 5.9 MB of entry JSON per 20,000 events stored as 1.14 MB with
 * deflate level 1 in base64 (the earlier format), 0.86 MB as its raw bytes, 0.70 MB with Brotli
 * quality 5. Quality 5 is where the gain levels off (9: 0.69 MB); it costs about 27 ms of a core
 * per MB of JSON here (deflate level 1: 2.5 ms), which the write units it saves pay many times.
 *
 * Stores written before hold strings: `z` + base64 of deflate, or plain JSON; they still read.
 */
import { brotliCompressSync, brotliDecompressSync, constants, inflateRawSync } from 'node:zlib';

/** What a packed value is stored as: bytes (a DynamoDB binary attribute). */
export type Packed = Uint8Array;

/** The first byte of a packed value: Brotli-compressed JSON. */
const BROTLI_JSON = 0x01;
/** Marks a packed string of the earlier format (deflate, base64); plain JSON starts with `{` or `[`. */
const LEGACY_PACKED = 'z';
/** Brotli quality: the gain levels off above 5 on eddy's items, the CPU time does not. */
const QUALITY = 5;

/**
 * @example
 * ```ts
 * const stored = pack({ puts: [], deletes: [] }); // Uint8Array [1, …]
 * unpack(stored); // { puts: [], deletes: [] }
 * ```
 */
export function pack(value: unknown): Packed {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const body = brotliCompressSync(json, {
    params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
  });
  const packed = new Uint8Array(body.length + 1);
  packed[0] = BROTLI_JSON;
  packed.set(body, 1);
  return packed;
}

/** The value of a packed value (or of a string of the earlier formats). @example `unpack(pack([1, 2])) // [1, 2]` */
export function unpack<T>(stored: Packed | string): T {
  if (typeof stored === 'string') {
    if (!stored.startsWith(LEGACY_PACKED)) return JSON.parse(stored) as T;
    return JSON.parse(inflateRawSync(Buffer.from(stored.slice(LEGACY_PACKED.length), 'base64')).toString('utf8')) as T;
  }
  if (stored[0] !== BROTLI_JSON) throw new Error(`a packed value starts with format byte ${stored[0]}, which this version of eddy does not know`);
  return JSON.parse(brotliDecompressSync(stored.subarray(1)).toString('utf8')) as T;
}

/** A packed value cut into pieces of at most `size` bytes (each fits one item). @example `chunk(pack(list), 300_000)` */
export function chunk(packed: Packed, size: number): Packed[] {
  const parts: Packed[] = [];
  for (let i = 0; i < packed.length; i += size) parts.push(packed.subarray(i, i + size));
  return parts;
}

/** The pieces of one packed value joined again (strings of the earlier format too). @example `joinParts(chunk(p, 10)) // p's bytes` */
export function joinParts(parts: readonly (Packed | string)[]): Packed | string {
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

/** A stored attribute as a packed value: bytes, or a string of the earlier formats. */
export function packedAttribute(value: unknown, what: string): Packed | string {
  if (value instanceof Uint8Array || typeof value === 'string') return value;
  throw new Error(`${what} is not a packed value (${typeof value})`);
}
