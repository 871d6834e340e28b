/**
 * Envelopes: what travels on internal streams. One Kinesis record carries the envelopes one
 * upstream shard sends to one downstream shard in one batch, in order (KPL-style aggregation,
 * see docs/design-decisions.md): a partially failed PutRecords can then never reorder records
 * of one key, and a downstream stage can drop re-sent envelopes by their origin position.
 */

/** Position of an envelope in the output of its upstream shard: the input record and the output index within it. */
export interface Origin {
  seq: string;
  index: number;
}

export type Envelope =
  /** `in` 2: for the stage's second input (connect); absent for the first. */
  | { kind: 'data'; key: string; ts: number; payload: unknown; origin: Origin; in?: 2 }
  /** Watermark of the sending upstream shard. */
  | { kind: 'watermark'; watermark: number }
  /** End of input of the sending upstream shard. */
  | { kind: 'end' }
  /**
   * Injected by the sweep into a shard that gets no data but has timers due: wakes the stage
   * up so that it fires them in the shard's serial order; `watermark`, when set, is the
   * idle-advanced watermark (the job opted into idle advance and every source is idle).
   */
  | { kind: 'tick'; watermark?: number };

/** A decoded internal record: who sent it, to which shard, and the envelopes, in order. */
export interface EnvelopeRecord {
  from: { stage: string; shard: string };
  /**
   * The shard the sender addressed. After resharding, a sender with a stale shard map can land
   * a record in a shard other than the one whose keys it holds; that shard ignores it and the
   * sender, told by PutRecords where the record went, sends it again (see emitter.ts).
   */
  to?: string;
  envelopes: Envelope[];
}

export const ENVELOPE_VERSION = 1;

/**
 * The key of a broadcast element's envelopes: it goes to every shard, so its key only names it
 * (origins are deduplicated per key's hash range after a merge). Keys are JSON, never `#...`.
 */
export const BROADCAST_KEY = '#broadcast';
/** Control records on a *source* stream (end-of-input markers) start with this, which no JSON text can. */
const CONTROL_PREFIX = '\u0000eddy:';

export function encodeEnvelopes(record: EnvelopeRecord): Uint8Array {
  return Buffer.from(JSON.stringify({ v: ENVELOPE_VERSION, from: record.from, to: record.to, e: record.envelopes }), 'utf8');
}

/**
 * The same bytes as {@link encodeEnvelopes}, from envelopes already encoded as JSON (each
 * output's payload is encoded once, when it is made, to measure it; see outputs.ts).
 */
export function encodeEncodedEnvelopes(from: EnvelopeRecord['from'], to: string | undefined, envelopesJson: readonly string[]): Uint8Array {
  const head = `{"v":${ENVELOPE_VERSION},"from":${JSON.stringify(from)}${to === undefined ? '' : `,"to":${JSON.stringify(to)}`},"e":[`;
  return Buffer.from(`${head}${envelopesJson.join(',')}]}`, 'utf8');
}

/** The JSON of a data envelope whose payload is already JSON: what JSON.stringify gives for the envelope. */
export function dataEnvelopeJson(key: string, ts: number, payloadJson: string, origin: Origin, input?: 2): string {
  // ts and index are finite numbers, whose JSON is their string form (one envelope per output: no JSON.stringify calls for them).
  return `{"kind":"data","key":${jsonString(key)},"ts":${ts},"payload":${payloadJson},"origin":{"seq":${jsonString(origin.seq)},"index":${origin.index}}${input ? `,"in":${input}` : ''}}`;
}

/** Characters JSON.stringify escapes (surrogates: a lone one is escaped; a pair takes the slow path too). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without the call for the usual one that needs no escaping (a number key's JSON, a sequence number). */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Decodes an internal record; throws an Error with the reason for anything malformed. */
export function decodeEnvelopes(data: Uint8Array): EnvelopeRecord {
  let raw: any;
  try {
    raw = JSON.parse(utf8Text(data));
  } catch (error) {
    throw new Error(`envelope record is not JSON: ${(error as Error).message}`);
  }
  if (!raw || typeof raw !== 'object') throw new Error('envelope record is not an object');
  if (raw.v !== ENVELOPE_VERSION) throw new Error(`unsupported envelope version ${JSON.stringify(raw.v)} (expected ${ENVELOPE_VERSION})`);
  if (!raw.from || typeof raw.from.stage !== 'string' || typeof raw.from.shard !== 'string') throw new Error('envelope record lacks its sender');
  if (raw.to !== undefined && typeof raw.to !== 'string') throw new Error('envelope record has a malformed recipient');
  if (!Array.isArray(raw.e)) throw new Error('envelope record lacks envelopes');
  for (const e of raw.e) validateEnvelope(e);
  return { from: raw.from, to: raw.to, envelopes: raw.e };
}

function validateEnvelope(e: any): asserts e is Envelope {
  const ok =
    e &&
    ((e.kind === 'data' && typeof e.key === 'string' && Number.isFinite(e.ts) && e.origin && typeof e.origin.seq === 'string' && Number.isInteger(e.origin.index) && (e.in === undefined || e.in === 2)) ||
      (e.kind === 'watermark' && Number.isFinite(e.watermark)) ||
      e.kind === 'end' ||
      (e.kind === 'tick' && (e.watermark === undefined || Number.isFinite(e.watermark))));
  if (!ok) throw new Error(`malformed envelope ${JSON.stringify(e).slice(0, 200)}`);
}

const SOURCE_END = Buffer.from(`${CONTROL_PREFIX}${JSON.stringify({ kind: 'end' })}`, 'utf8');
const CONTROL_PREFIX_BYTES = Buffer.from(CONTROL_PREFIX, 'utf8');

/** A control record for a source stream: end of input, written by replay and `eddy run --drain`. */
export function encodeSourceEnd(): Uint8Array {
  return Buffer.from(SOURCE_END); // a copy: the caller owns it
}

export function isSourceEnd(data: Uint8Array): boolean {
  return data.length === SOURCE_END.length && SOURCE_END.equals(data);
}

/** True for a record that claims to be an eddy control record (the end marker, or a corrupt one). */
export function isControlRecord(data: Uint8Array): boolean {
  return data.length >= CONTROL_PREFIX_BYTES.length && CONTROL_PREFIX_BYTES.equals(data.subarray(0, CONTROL_PREFIX_BYTES.length));
}

/** The UTF-8 text of a record's bytes, read in place (no copy of the bytes). */
function utf8Text(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/** Total order of Kinesis sequence numbers (decimal strings of up to 128 bits). */
export function compareSeq(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareOrigin(a: Origin, b: Origin): number {
  return compareSeq(a.seq, b.seq) || a.index - b.index;
}
