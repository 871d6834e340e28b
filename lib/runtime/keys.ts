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
  if (!valid) throw new DecodeError(`missing key (key selector returned ${JSON.stringify(key) ?? 'undefined'})`);
  const encoded = JSON.stringify(key);
  if (encoded.length > MAX_KEY_LENGTH) throw new DecodeError(`key longer than ${MAX_KEY_LENGTH} characters`);
  return encoded;
}

export function decodeKey(encoded: string): string | number {
  return JSON.parse(encoded) as string | number;
}
