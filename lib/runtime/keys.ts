import { DecodeError } from '../connectors/source-spec.ts';

/** The longest key eddy accepts (DynamoDB partition keys hold 2048 bytes; state keys add a prefix). */
const MAX_KEY_LENGTH = 1024;

/**
 * The canonical form of a key: its JSON, so that a number key stays a number for
 * `getCurrentKey()` and can never collide with the string of the same digits. Envelopes,
 * state partitions and timers all carry this form; a missing or unusable key is a bad record.
 */
export function encodeKey(key: unknown): string {
  const valid = (typeof key === 'number' && Number.isFinite(key)) || (typeof key === 'string' && key.length > 0);
  if (!valid) throw new DecodeError(`missing key (key selector returned ${describeInvalidKey(key)})`);
  const encoded = JSON.stringify(key);
  if (encoded.length > MAX_KEY_LENGTH) throw new DecodeError(`key longer than ${MAX_KEY_LENGTH} characters`);
  return encoded;
}

/** How a key that is not one reads in a dead letter's reason (JSON where it has one; a bigint or symbol has none and must not throw). */
function describeInvalidKey(key: unknown): string {
  if (typeof key === 'number') return String(key); // NaN, Infinity: their JSON would be null
  if (typeof key === 'bigint') return `${key}n`;
  try {
    return JSON.stringify(key) ?? String(key);
  } catch {
    return String(key); // a cyclic object, say
  }
}

export function decodeKey(encoded: string): string | number {
  return JSON.parse(encoded) as string | number;
}
