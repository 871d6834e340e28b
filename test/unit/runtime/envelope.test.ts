/**
 * Envelopes on internal streams: encode/decode round trip, rejection of malformed or
 * wrong-version records with a reason, source end-of-input markers that no JSON record can
 * be mistaken for, and the total order of Kinesis sequence numbers (decimal strings of up to
 * 128 bits, so of different lengths) and of origins.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareOrigin,
  compareSeq,
  dataEnvelopeJson,
  decodeEnvelopes,
  encodeEncodedEnvelopes,
  encodeEnvelopes,
  encodeSourceEnd,
  ENVELOPE_VERSION,
  isSourceEnd,
  type Envelope,
  type EnvelopeRecord,
} from '../../../lib/runtime/envelope.ts';

const seqArb = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(String);
const envelopeArb: fc.Arbitrary<Envelope> = fc.oneof(
  fc.record({
    kind: fc.constant('data' as const),
    key: fc.string({ minLength: 1 }),
    ts: fc.integer({ min: 0, max: 8_640_000_000_000_000 }),
    payload: fc.jsonValue(),
    origin: fc.record({ seq: seqArb, index: fc.nat() }),
  }),
  fc.record({ kind: fc.constant('watermark' as const), watermark: fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }) }),
  fc.constant({ kind: 'end' as const }),
  fc.record({ kind: fc.constant('tick' as const), watermark: fc.integer() }),
  fc.constant({ kind: 'tick' as const }),
);
const recordArb: fc.Arbitrary<EnvelopeRecord> = fc.record({
  from: fc.record({ stage: fc.string(), shard: fc.string() }),
  envelopes: fc.array(envelopeArb, { maxLength: 10 }),
});

describe('envelope records', () => {
  it('decode(encode(r)) equals r as JSON carries it (property)', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(decodeEnvelopes(encodeEnvelopes(r))).toEqual(JSON.parse(JSON.stringify(r)));
      }),
    );
  });

  it('encoded from pre-encoded envelopes (the emitter) are the bytes encodeEnvelopes writes (property)', () => {
    const dataArb = fc.record({
      kind: fc.constant('data' as const),
      // Any text: quotes, backslashes, control characters, astral and lone surrogates take JSON's escapes.
      key: fc.oneof(fc.string({ minLength: 1 }), fc.string({ minLength: 1, unit: 'binary' }), fc.constantFrom('"a"', 'a\\b', '\u0001', '\ud800', '😀', '123')),
      ts: fc.integer({ min: 0, max: 8_640_000_000_000_000 }),
      payload: fc.jsonValue(),
      origin: fc.record({ seq: seqArb, index: fc.nat() }),
      in: fc.constantFrom(undefined, 2 as const),
    });
    const to = fc.option(fc.string(), { nil: undefined });
    fc.assert(
      fc.property(recordArb.map((r) => r.from), to, fc.array(dataArb, { maxLength: 10 }), (from, to, data) => {
        const envelopes: Envelope[] = data.map(({ in: input, ...e }) => (input ? { ...e, in: input } : e));
        const json = data.map((e) => dataEnvelopeJson(e.key, e.ts, JSON.stringify(e.payload), e.origin, e.in));
        expect(Buffer.from(encodeEncodedEnvelopes(from, to, json)).equals(Buffer.from(encodeEnvelopes({ from, to, envelopes })))).toBe(true);
      }),
    );
  });

  it('carry the format version', () => {
    const raw = JSON.parse(Buffer.from(encodeEnvelopes({ from: { stage: 's', shard: 'x' }, envelopes: [] })).toString('utf8'));
    expect(raw.v).toBe(ENVELOPE_VERSION);
  });

  const bytes = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x), 'utf8');
  const from = { stage: 's', shard: 'x' };
  const good = { kind: 'data', key: 'k', ts: 1, payload: {}, origin: { seq: '1', index: 0 } };
  const malformed: [string, unknown][] = [
    ['not JSON', '{"v":1,'],
    ['not an object', '42'],
    ['null', 'null'],
    ['no version', { from, e: [] }],
    ['a newer version', { v: ENVELOPE_VERSION + 1, from, e: [] }],
    ['a version as a string', { v: String(ENVELOPE_VERSION), from, e: [] }],
    ['no sender', { v: 1, e: [] }],
    ['a sender without shard', { v: 1, from: { stage: 's' }, e: [] }],
    ['no envelope list', { v: 1, from }],
    ['an unknown kind', { v: 1, from, e: [{ kind: 'nope' }] }],
    ['data without key', { v: 1, from, e: [{ ...good, key: undefined }] }],
    ['data with a numeric key', { v: 1, from, e: [{ ...good, key: 5 }] }],
    ['data with a string time', { v: 1, from, e: [{ ...good, ts: '1' }] }],
    ['data without origin', { v: 1, from, e: [{ ...good, origin: undefined }] }],
    ['data with a fractional origin index', { v: 1, from, e: [{ ...good, origin: { seq: '1', index: 0.5 } }] }],
    ['data with a numeric origin seq', { v: 1, from, e: [{ ...good, origin: { seq: 1, index: 0 } }] }],
    ['a watermark that is not a number', { v: 1, from, e: [{ kind: 'watermark', watermark: 'x' }] }],
    ['a tick with a bad watermark', { v: 1, from, e: [{ kind: 'tick', watermark: null }] }],
    ['a good envelope followed by a bad one', { v: 1, from, e: [good, { kind: 'data' }] }],
  ];
  for (const [what, raw] of malformed) {
    it(`rejects ${what}`, () => {
      expect(() => decodeEnvelopes(bytes(raw))).toThrow(Error);
    });
  }
  it('accepts the well-formed counterpart of those records', () => {
    expect(decodeEnvelopes(bytes({ v: 1, from, e: [good, { kind: 'watermark', watermark: -3 }, { kind: 'end' }, { kind: 'tick' }] })).envelopes).toHaveLength(4);
  });
});

describe('source end-of-input marker', () => {
  it('is recognised, and no JSON text is taken for it', () => {
    expect(isSourceEnd(encodeSourceEnd())).toBe(true);
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(isSourceEnd(Buffer.from(text, 'utf8'))).toBe(false);
      }),
    );
    expect(isSourceEnd(new Uint8Array())).toBe(false);
  });
});

describe('compareSeq', () => {
  it('orders sequence numbers of different lengths numerically', () => {
    expect(compareSeq('9', '10')).toBeLessThan(0);
    expect(compareSeq('100', '99')).toBeGreaterThan(0);
    expect(compareSeq('49590338271490256608559692538361571095921575989136588898', '4959033827149025660855969253836157109592157598913658889')).toBeGreaterThan(0);
    expect(compareSeq('123', '123')).toBe(0);
    expect(compareSeq('0', '1')).toBeLessThan(0);
  });

  it('has the sign of the numeric difference (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (a, b) => {
        expect(Math.sign(compareSeq(a.toString(), b.toString()))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  it('orders origins by sequence number, then index', () => {
    expect(compareOrigin({ seq: '99', index: 5 }, { seq: '100', index: 0 })).toBeLessThan(0);
    expect(compareOrigin({ seq: '100', index: 1 }, { seq: '100', index: 0 })).toBeGreaterThan(0);
    expect(compareOrigin({ seq: '100', index: 2 }, { seq: '100', index: 2 })).toBe(0);
  });
});
