// Input lines the `order-timeout` job must route to dead-letter. Schema:
//   { orderId: non-empty string, userId: string, status: "CREATED" | "PAID",
//     amount: finite number, ts: non-negative integer }
// Blank lines are deliberately absent: by JSONL convention they are skipped,
// not dead-lettered, so they are not a malformed-record case. Extra keys are
// absent too, since the schema does not say whether they are rejected.
// Every other field in each line is valid, so each line fails for one reason.

const ok = { orderId: "o-900001", userId: "u-001", status: "CREATED", amount: 12.5, ts: 1_700_000_000_000 };

/** A valid record with `patch` applied (an `undefined` value removes the key). */
function withField(patch: Record<string, unknown>): string {
  const obj: Record<string, unknown> = { ...ok, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete obj[k];
  return JSON.stringify(obj);
}

const okLine = JSON.stringify(ok);

export const malformedOrderLines: { line: string; why: string }[] = [
  // Not parseable as JSON at all.
  { line: "not json at all", why: "plain text" },
  { line: okLine.slice(0, -10), why: "truncated JSON object" },
  { line: `${okLine} trailing`, why: "garbage after a valid object" },
  { line: `${okLine}${okLine}`, why: "two objects on one line" },
  { line: "{'orderId':'o-1','userId':'u-1','status':'PAID','amount':1,'ts':1}", why: "single-quoted pseudo-JSON" },
  { line: okLine.replace(/"ts":\d+/, '"ts":NaN'), why: "NaN literal is not JSON" },
  // Valid JSON, but not an object.
  { line: `[${okLine}]`, why: "JSON array wrapping a valid record" },
  { line: '"o-000001"', why: "JSON string" },
  { line: "null", why: "JSON null" },
  { line: "42", why: "JSON number" },
  { line: "true", why: "JSON boolean" },
  { line: '{"a":{"b":{"c":[1,{"d":[null,{"e":{}}]}]}}}', why: "deeply nested object with none of the fields" },
  // An object with exactly one bad field.
  { line: withField({ orderId: undefined }), why: "missing orderId" },
  { line: withField({ orderId: "" }), why: "empty orderId" },
  { line: withField({ orderId: 123 }), why: "orderId is a number" },
  { line: withField({ orderId: { id: "o-1" } }), why: "orderId is an object" },
  { line: withField({ userId: undefined }), why: "missing userId" },
  { line: withField({ userId: null }), why: "userId is null" },
  { line: withField({ status: undefined }), why: "missing status" },
  { line: withField({ status: "SHIPPED" }), why: "unknown status" },
  { line: withField({ status: "paid" }), why: "status is case-sensitive" },
  { line: withField({ amount: undefined }), why: "missing amount" },
  { line: withField({ amount: "12.50" }), why: "amount is a string" },
  { line: withField({ amount: null }), why: "amount is null" },
  { line: okLine.replace(/"amount":[\d.]+/, '"amount":1e999'), why: "amount overflows to Infinity when parsed" },
  { line: withField({ ts: undefined }), why: "missing ts" },
  { line: withField({ ts: "123" }), why: "ts is a numeric string" },
  { line: withField({ ts: null }), why: "ts is null (what NaN serialises to)" },
  { line: withField({ ts: -1 }), why: "negative ts" },
  { line: withField({ ts: 1.5 }), why: "non-integer ts" },
  { line: okLine.replace(/"ts":\d+/, '"ts":1e400'), why: "ts overflows to Infinity when parsed" },
];

// ---------------------------------------------------------------------------
// Malformed records with the dead-letter reason each must get (issue 3 item 6).
//
// `malformedOrderLines` above is what a JSON Lines file can carry. The records below also
// cover what only a Kinesis producer can write (raw bytes, empty records), records too big
// for a dead-letter item, and broken envelopes on the job's internal stream. Each comes with
// a reason pattern distinctive enough to show *which* check caught it: a record dead-lettered
// for the wrong reason is a bug too (e.g. a huge record dead-lettered because a write failed).

/** A record that must be dead-lettered, and how. */
export interface MalformedRecord {
  kind: string;
  /** A string is written as its UTF-8 bytes; a Buffer is written as is (raw bytes). */
  data: string | Buffer;
  /** What the dead letter's `reason` must match. */
  reason: RegExp;
  /** Longer than a dead-letter item holds: stored cut, with `truncated` set. */
  truncated?: boolean;
}

/** Arrays nested `depth` deep: JSON.parse copes with any depth, JSON.stringify overflows near 5,000. */
export function nestedArrays(depth: number, inner = "0"): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}

const schemaError = (field: string, detail: string) => new RegExp(`^schema: ${field.replace(/[()]/g, "\\$&")}: .*${detail}`);
const INVALID_JSON = /^invalid JSON: /;
const NOT_UTF8 = /^record is not valid UTF-8$/;
const EMPTY = /^empty record$/;

/**
 * Malformed records for the `orders` source of order-timeout, each failing exactly one check
 * of the source stage: UTF-8, emptiness, JSON, the zod schema, the event-time range, the key.
 *
 * @example
 * ```ts
 * for (const m of malformedOrderRecords()) await putRecord(sourceStream, m.data);
 * // each is dead-lettered with a reason matching m.reason
 * ```
 */
export function malformedOrderRecords(): MalformedRecord[] {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));
  const [head, tail] = [okLine.slice(0, 14), okLine.slice(14)]; // head = '{"orderId":"o-'
  return [
    // Bytes that are not UTF-8 (a JSONL file read as UTF-8 would turn them into U+FFFD instead).
    { kind: "0xFF byte inside a string", data: bytes(head, [0xff], tail), reason: NOT_UTF8 },
    { kind: "overlong encoding of '/'", data: bytes(head, [0xc0, 0xaf], tail), reason: NOT_UTF8 },
    { kind: "UTF-8 encoded surrogate half", data: bytes(head, [0xed, 0xa0, 0x80], tail), reason: NOT_UTF8 },
    { kind: "multi-byte sequence cut at the end", data: bytes(okLine, [0xe2, 0x82]), reason: NOT_UTF8 },
    { kind: "UTF-16LE with byte order mark", data: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(okLine, "utf16le")]), reason: NOT_UTF8 },
    // Nothing in it (a JSONL blank line is skipped by convention; a Kinesis record can be empty).
    { kind: "empty record (0 bytes)", data: Buffer.alloc(0), reason: EMPTY },
    { kind: "whitespace-only record", data: " \t \r\n ", reason: EMPTY },
    // Not JSON.
    { kind: "plain text", data: "order o-1 was paid", reason: INVALID_JSON },
    { kind: "truncated JSON object", data: okLine.slice(0, -10), reason: INVALID_JSON },
    { kind: "garbage after a valid object", data: `${okLine} trailing`, reason: INVALID_JSON },
    { kind: "single-quoted pseudo-JSON", data: okLine.replace(/"/g, "'"), reason: INVALID_JSON },
    { kind: "NaN literal", data: okLine.replace(/"ts":\d+/, '"ts":NaN'), reason: INVALID_JSON },
    { kind: "NUL byte before the JSON", data: `\u0000${okLine}`, reason: INVALID_JSON },
    { kind: "control-like prefix without the NUL", data: 'eddy:{"kind":"end"}', reason: INVALID_JSON },
    // JSON, but not an object.
    { kind: "JSON array", data: `[${okLine}]`, reason: schemaError("(record)", "expected object, received array") },
    { kind: "JSON null", data: "null", reason: schemaError("(record)", "expected object, received null") },
    { kind: "JSON number", data: "42", reason: schemaError("(record)", "expected object, received number") },
    { kind: "JSON string", data: '"o-000001"', reason: schemaError("(record)", "expected object, received string") },
    { kind: "JSON boolean", data: "true", reason: schemaError("(record)", "expected object, received boolean") },
    { kind: "5,000 levels of nested arrays", data: nestedArrays(5000), reason: schemaError("(record)", "expected object, received array") },
    // An object with one bad field.
    { kind: "missing key (orderId)", data: withField({ orderId: undefined }), reason: schemaError("orderId", "expected string, received undefined") },
    { kind: "empty key", data: withField({ orderId: "" }), reason: schemaError("orderId", "Too small") },
    { kind: "key is a number", data: withField({ orderId: 123 }), reason: schemaError("orderId", "expected string, received number") },
    { kind: "key is 5,000 levels of nested arrays", data: withField({ orderId: "@" }).replace('"@"', nestedArrays(5000)), reason: schemaError("orderId", "expected string, received array") },
    { kind: "missing ts", data: withField({ ts: undefined }), reason: schemaError("ts", "expected number, received undefined") },
    { kind: "ts is a numeric string", data: withField({ ts: "123" }), reason: schemaError("ts", "expected number, received string") },
    { kind: "ts overflows to Infinity (1e999)", data: okLine.replace(/"ts":\d+/, '"ts":1e999'), reason: schemaError("ts", "received Infinity") },
    { kind: "negative ts", data: withField({ ts: -1 }), reason: schemaError("ts", "Too small: expected number to be >=0") },
    { kind: "fractional ts", data: withField({ ts: 1.5 }), reason: schemaError("ts", "expected int") },
    { kind: "amount is a numeric string", data: withField({ amount: "5" }), reason: schemaError("amount", "expected number, received string") },
    { kind: "amount overflows to -Infinity", data: okLine.replace(/"amount":[\d.]+/, '"amount":-1e999'), reason: schemaError("amount", "received -Infinity") },
    { kind: "status outside the enum", data: withField({ status: "SHIPPED" }), reason: schemaError("status", "expected one of") },
    { kind: "status in the wrong case", data: withField({ status: "paid" }), reason: schemaError("status", "expected one of") },
    { kind: "userId is null", data: withField({ userId: null }), reason: schemaError("userId", "expected string, received null") },
    // Passes the schema, fails the engine's own checks.
    { kind: "ts after the largest date", data: withField({ ts: 8_700_000_000_000_000 }), reason: /^event time must be a non-negative number of epoch ms, got 8700000000000000$/ },
    { kind: "key longer than 1024 characters", data: withField({ orderId: "k".repeat(1100) }), reason: /^key longer than 1024 characters$/ },
    // A 600 KB line: the key is what makes it bad; the dead-letter item keeps its first 300,000 characters.
    { kind: "600 KB record (600 KB key)", data: withField({ orderId: "K".repeat(600_000) }), reason: /^key longer than 1024 characters$/, truncated: true },
  ];
}

/**
 * Variants of a *valid* order line that the schema accepts, so they must be processed like
 * the plain line: zod drops unknown fields (however big or deep), and a UTF-8 byte order
 * mark is not part of the text (TextDecoder strips it).
 */
export const toleratedOrderVariants: { kind: string; encode: (line: string) => string | Buffer }[] = [
  { kind: "unknown field", encode: (line) => line.replace(/^\{/, '{"comment":"hello",') },
  { kind: "600 KB unknown field", encode: (line) => line.replace(/^\{/, `{"padding":"${"p".repeat(600_000)}",`) },
  { kind: "5,000 levels of nested arrays in an unknown field", encode: (line) => line.replace(/^\{/, `{"nested":${nestedArrays(5000)},`) },
  { kind: "UTF-8 byte order mark", encode: (line) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(line, "utf8")]) },
  { kind: "whitespace around the object", encode: (line) => ` \t${line}\r ` },
];

/**
 * Broken records for a keyed stage's input stream, as a buggy or foreign producer might write
 * them there (eddy's own envelopes are `{"v":1,"from":{stage,shard},"e":[...]}`). `from` is a
 * real upstream shard of the stage, so only the defect named by `kind` is wrong.
 */
export function malformedEnvelopeRecords(from: { stage: string; shard: string }): MalformedRecord[] {
  const good = { v: 1, from, e: [{ kind: "data", key: '"o-1"', ts: 1_700_000_000_000, payload: ok, origin: { seq: "1", index: 0 } }] };
  const json = (value: unknown) => JSON.stringify(value);
  const internal = (reason: string) => new RegExp(`^undecodable internal record: ${reason}`);
  return [
    { kind: "envelope version 2", data: json({ ...good, v: 2 }), reason: internal("unsupported envelope version 2 \\(expected 1\\)") },
    { kind: "envelope without a version", data: json({ from: good.from, e: good.e }), reason: internal("unsupported envelope version undefined") },
    { kind: "envelope version as a string", data: json({ ...good, v: "1" }), reason: internal('unsupported envelope version "1"') },
    { kind: "truncated envelope", data: json(good).slice(0, 40), reason: internal("envelope record is not JSON") },
    { kind: "envelope record is a JSON string", data: '"v1"', reason: internal("envelope record is not an object") },
    { kind: "envelope without a sender", data: json({ v: 1, e: good.e }), reason: internal("envelope record lacks its sender") },
    { kind: "envelope without envelopes", data: json({ v: 1, from }), reason: internal("envelope record lacks envelopes") },
    { kind: "data envelope without a key", data: json({ ...good, e: [{ ...good.e[0], key: undefined }] }), reason: internal("malformed envelope") },
    { kind: "data envelope with ts null", data: json({ ...good, e: [{ ...good.e[0], ts: null }] }), reason: internal("malformed envelope") },
    { kind: "envelope of an unknown kind", data: json({ ...good, e: [{ kind: "checkpoint" }] }), reason: internal("malformed envelope") },
    { kind: "envelope record of invalid UTF-8", data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), reason: internal("envelope record is not JSON") },
  ];
}
