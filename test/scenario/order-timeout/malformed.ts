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
