/**
 * The stored form of logs and snapshots (lib/state/packing.ts): bytes that read back to the same
 * JSON, cut into item-sized parts and joined again, and the earlier string formats still read.
 */
import fc from 'fast-check';
import { brotliDecompressSync, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chunk, joinParts, pack, packedAttribute, unpack } from '../../../lib/state/packing.ts';

const json = fc.jsonValue();

describe('pack / unpack', () => {
  it('reads back what it packed, through any cut into parts', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 1, max: 64 }), (value, size) => {
        const packed = pack(value);
        expect(unpack(joinParts(chunk(packed, size)))).toEqual(JSON.parse(JSON.stringify(value)));
        for (const part of chunk(packed, size)) expect(part.length).toBeLessThanOrEqual(size);
      }),
    );
  });

  it('is a format byte and Brotli of the JSON: bytes, not base64', () => {
    const value = { puts: Array.from({ length: 200 }, (_, i) => ({ pk: `s#stage#"k-${i}"`, sk: 'count#-', attrs: { v: String(i) } })) };
    const packed = pack(value);
    expect(packed).toBeInstanceOf(Uint8Array);
    expect(packed[0]).toBe(1);
    expect(brotliDecompressSync(packed.subarray(1)).toString('utf8')).toBe(JSON.stringify(value));
    // Repetitive items: a small fraction of the JSON, and below what deflate level 1 in base64 (the earlier format) took.
    expect(packed.length).toBeLessThan(JSON.stringify(value).length / 8);
    expect(packed.length).toBeLessThan(deflateRawSync(JSON.stringify(value), { level: 1 }).toString('base64').length);
  });

  it('still reads the earlier formats: z + base64 of deflate, and plain JSON, whole or in parts', () => {
    const value = { puts: [{ pk: 'a', sk: 'b', attrs: { v: '1' } }], deletes: [] };
    const legacy = 'z' + deflateRawSync(JSON.stringify(value), { level: 1 }).toString('base64');
    expect(unpack(legacy)).toEqual(value);
    expect(unpack(joinParts([legacy.slice(0, 7), legacy.slice(7)]))).toEqual(value);
    expect(unpack(JSON.stringify(value))).toEqual(value);
  });

  it('refuses bytes of a format it does not know, and an attribute that is not a packed value', () => {
    expect(() => unpack(new Uint8Array([9, 1, 2]))).toThrow(/format byte 9/);
    expect(() => packedAttribute(12, 'the log of a/b')).toThrow(/the log of a\/b is not a packed value/);
    expect(() => packedAttribute(undefined, 'x')).toThrow(/not a packed value/);
  });
});
