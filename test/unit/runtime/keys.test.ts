/** The key rules of encodeKey (docs/concepts.md, "Keys"): what is refused, and the reason a dead letter gets. */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../lib/connectors/source-spec.ts';
import { decodeKey, encodeKey } from '../../../lib/runtime/keys.ts';

describe('encodeKey', () => {
  it('keeps strings and finite numbers apart, and decodes back', () => {
    expect(encodeKey('7')).toBe('"7"');
    expect(encodeKey(7)).toBe('7');
    expect(decodeKey(encodeKey('o-1'))).toBe('o-1');
  });

  it('refuses what is not a key with a reason, never with an error of its own', () => {
    const reason = (key: unknown) => {
      try {
        encodeKey(key);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(reason('')).toBe('missing key (key selector returned "")');
    expect(reason(undefined)).toBe('missing key (key selector returned undefined)');
    expect(reason(Number.NaN)).toBe('missing key (key selector returned NaN)');
    expect(reason(null)).toBe('missing key (key selector returned null)');
    expect(reason(10n)).toBe('missing key (key selector returned 10n)');
    expect(reason(Symbol('k'))).toBe('missing key (key selector returned Symbol(k))');
    expect(reason('x'.repeat(1_022))).toBe('accepted');
    expect(reason('x'.repeat(1_023))).toBe('key longer than 1024 characters');
  });
});
