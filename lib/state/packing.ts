/**
 * How eddy stores JSON it pays for per kilobyte (redo logs, changelog entries, snapshot parts):
 * deflated (zlib level 1) and in base64 behind a one-letter marker. The JSON of items repeats
 * every key prefix and attribute name, so it deflates to a fraction; base64 keeps it a
 * DynamoDB string attribute (ASCII: characters are bytes). Level 1: every batch packs its
 * changes, and the fastest level already takes most of the gain.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Marks a packed value; plain JSON (written before packing existed) starts with `{` or `[`. */
export const PACKED = 'z';

/**
 * @example
 * ```ts
 * const stored = pack({ puts: [], deletes: [] }); // 'z…' (ASCII)
 * unpack(stored); // { puts: [], deletes: [] }
 * ```
 */
export function pack(value: unknown): string {
  return PACKED + deflateRawSync(JSON.stringify(value), { level: 1 }).toString('base64');
}

/** The value of a packed (or plain JSON) string. @example `unpack(pack([1, 2])) // [1, 2]` */
export function unpack<T>(stored: string): T {
  if (!stored.startsWith(PACKED)) return JSON.parse(stored) as T;
  return JSON.parse(inflateRawSync(Buffer.from(stored.slice(PACKED.length), 'base64')).toString('utf8')) as T;
}

/** A packed string cut into pieces of at most `size` characters (each fits one item). @example `chunk('zabc', 2) // ['za', 'bc']` */
export function chunk(packed: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < packed.length; i += size) parts.push(packed.slice(i, i + size));
  return parts;
}
