/**
 * Decoders for MySQL change data (Maxwell and Debezium JSON): pure functions from a parsed JSON
 * value to a typed record. Anything malformed throws a {@link DecodeError} whose `reason` (it
 * becomes the dead-letter reason) names the format and the field at fault.
 */
import { DecodeError } from './source-spec.ts';

/**
 * The `type` values Maxwell writes.
 *
 * @example
 * ```ts
 * MAXWELL_TYPES.includes('insert'); // true
 * ```
 */
export const MAXWELL_TYPES = ['insert', 'update', 'delete', 'bootstrap-start', 'bootstrap-insert', 'bootstrap-complete'] as const;
export type MaxwellType = (typeof MAXWELL_TYPES)[number];

/**
 * One decoded Maxwell record. `ts` is in seconds, as Maxwell writes it; `tsMs` is `ts * 1000`,
 * ready for a timestamp assigner.
 */
export interface MaxwellRecord {
  database: string;
  table: string;
  type: MaxwellType;
  ts: number;
  tsMs: number;
  data?: Record<string, unknown>;
  old?: Record<string, unknown>;
}

/** One decoded Debezium change event; `tsMs` is `source.ts_ms`, when the change happened in MySQL. */
export interface DebeziumRecord {
  database: string;
  table: string;
  op: 'insert' | 'update' | 'delete' | 'read';
  tsMs: number;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** Seconds from 1e11 on (year 5138) are surely milliseconds written by mistake. */
const MAX_SECONDS = 1e11;
const DATA_TYPES: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'bootstrap-insert']);
const DEBEZIUM_OPS = { c: 'insert', u: 'update', d: 'delete', r: 'read' } as const;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

function fail(format: string, reason: string): never {
  throw new DecodeError(`${format}: ${reason}`);
}

function nonEmptyString(format: string, v: unknown, field: string): string {
  if (typeof v !== 'string') fail(format, `${field} must be a non-empty string, got ${describe(v)}`);
  if (v.trim() === '') fail(format, `${field} must be a non-empty string, got an empty string`);
  return v;
}

function nonNegativeInteger(format: string, v: unknown, field: string): number {
  if (typeof v !== 'number') fail(format, `${field} must be a number, got ${describe(v)}${typeof v === 'string' ? ` "${v}"` : ''}`);
  if (!Number.isFinite(v) || !Number.isInteger(v)) fail(format, `${field} must be an integer, got ${v}`);
  if (v < 0) fail(format, `${field} must not be negative, got ${v}`);
  if (!Number.isSafeInteger(v)) fail(format, `${field} is too large, got ${v}`);
  return v;
}

/** `v` as a row image: undefined when absent (or null and allowed to be), else an object. */
function rowImage(format: string, v: unknown, field: string, required: boolean, why: string): Obj | undefined {
  if (v === undefined || v === null) {
    if (required) fail(format, `${field} is required ${why}, got ${v === null ? 'null' : 'nothing'}`);
    return undefined;
  }
  if (!isObject(v)) fail(format, `${field} must be an object, got ${describe(v)}`);
  return v;
}

/**
 * Decodes one Maxwell record (already parsed from JSON). Rules: `database` and `table` are
 * non-empty strings; `type` is one of {@link MAXWELL_TYPES}; `ts` is a non-negative integer
 * number of SECONDS; `data` is required (an object) for insert, update, delete and
 * bootstrap-insert; `old`, when present, is an object. `xid`, `commit` and other fields are ignored.
 *
 * @example
 * ```ts
 * decodeMaxwell({ database: 'shop', table: 'orders', type: 'update', ts: 1700000000, data: { id: 1, status: 'PAID' }, old: { status: 'NEW' } });
 * // → { database: 'shop', table: 'orders', type: 'update', ts: 1700000000, tsMs: 1700000000000, data: {...}, old: {...} }
 * decodeMaxwell({ database: 'shop', table: 'orders', type: 'insert', ts: 1700000000 }); // throws DecodeError('maxwell: data is required for insert, got nothing')
 * ```
 */
export function decodeMaxwell(value: unknown): MaxwellRecord {
  const F = 'maxwell';
  if (!isObject(value)) fail(F, `record must be a JSON object, got ${describe(value)}`);
  const database = nonEmptyString(F, value.database, 'database');
  const table = nonEmptyString(F, value.table, 'table');
  const type = value.type;
  if (typeof type !== 'string' || !(MAXWELL_TYPES as readonly string[]).includes(type)) {
    fail(F, `type must be one of ${MAXWELL_TYPES.join(', ')}; got ${typeof type === 'string' ? `"${type}"` : describe(type)}`);
  }
  const ts = nonNegativeInteger(F, value.ts, 'ts');
  if (ts >= MAX_SECONDS) fail(F, `ts ${ts} looks like milliseconds; Maxwell writes seconds`);
  const data = rowImage(F, value.data, 'data', DATA_TYPES.has(type), `for ${type}`);
  const old = rowImage(F, value.old, 'old', false, '');
  const record: MaxwellRecord = { database, table, type: type as MaxwellType, ts, tsMs: ts * 1000 };
  if (data) record.data = data;
  if (old) record.old = old;
  return record;
}

/**
 * Decodes one Debezium change event (already parsed from JSON), with or without the
 * `{ schema, payload }` wrapper of the JSON converter. `op` c/u/d/r becomes
 * insert/update/delete/read (a snapshot read); `after` is required for c, u and r, `before` for
 * d (for u it is optional: MySQL without full row images omits it). `source.db` and
 * `source.table` name the table; `tsMs` is `source.ts_ms` (when the change happened in MySQL,
 * the event time); the envelope's `ts_ms` (when the connector saw it), if present, must be a
 * non-negative integer too. A tombstone (a null value, written after a delete for log
 * compaction) carries no change and is rejected with its own reason.
 *
 * @example
 * ```ts
 * decodeDebezium({ op: 'c', before: null, after: { id: 1 }, source: { db: 'shop', table: 'orders', ts_ms: 1700000000000 }, ts_ms: 1700000000123 });
 * // → { database: 'shop', table: 'orders', op: 'insert', tsMs: 1700000000000, after: { id: 1 } }
 * decodeDebezium(null); // throws DecodeError('debezium: tombstone (null value) ...')
 * ```
 */
export function decodeDebezium(value: unknown): DebeziumRecord {
  const F = 'debezium';
  if (isObject(value) && 'payload' in value && !('op' in value)) value = value.payload;
  if (value === null) fail(F, 'tombstone (null value): a compaction marker after a delete, not a change event');
  if (!isObject(value)) fail(F, `record must be a JSON object, got ${describe(value)}`);
  const code = value.op;
  if (typeof code !== 'string' || !Object.hasOwn(DEBEZIUM_OPS, code)) {
    fail(F, `op must be one of c, u, d, r; got ${typeof code === 'string' ? `"${code}"` : describe(code)}`);
  }
  const op = DEBEZIUM_OPS[code as keyof typeof DEBEZIUM_OPS];
  const source = value.source;
  if (!isObject(source)) fail(F, `source must be an object, got ${source === undefined ? 'nothing' : describe(source)}`);
  const database = nonEmptyString(F, source.db, 'source.db');
  const table = nonEmptyString(F, source.table, 'source.table');
  const tsMs = nonNegativeInteger(F, source.ts_ms, 'source.ts_ms');
  if (value.ts_ms !== undefined) nonNegativeInteger(F, value.ts_ms, 'ts_ms');
  const before = rowImage(F, value.before, 'before', op === 'delete', `for op "${code}"`);
  const after = rowImage(F, value.after, 'after', op !== 'delete', `for op "${code}"`);
  const record: DebeziumRecord = { database, table, op, tsMs };
  if (before) record.before = before;
  if (after) record.after = after;
  return record;
}
