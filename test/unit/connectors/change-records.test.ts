import { describe, expect, it } from 'vitest';
import { decodeDebezium, decodeMaxwell, MAXWELL_TYPES } from '../../../lib/connectors/change-records.ts';
import { DecodeError } from '../../../lib/connectors/source-spec.ts';

const TS = 1_700_000_000;
const mw = (over: Record<string, unknown> = {}) => ({ database: 'shop', table: 'orders', type: 'insert', ts: TS, xid: 7, commit: true, data: { id: 1, amount: 9.5 }, ...over });
const src = (over: Record<string, unknown> = {}) => ({ version: '2.5.0.Final', connector: 'mysql', name: 'shop', db: 'shop', table: 'orders', ts_ms: TS * 1000, ...over });
const dbz = (over: Record<string, unknown> = {}) => ({ before: null, after: { id: 1 }, source: src(), op: 'c', ts_ms: TS * 1000 + 42, ...over });

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return (error as DecodeError).reason;
  }
  throw new Error('expected a DecodeError, nothing was thrown');
}

describe('decodeMaxwell', () => {
  it('decodes insert, update (with old) and delete', () => {
    expect(decodeMaxwell(mw())).toEqual({ database: 'shop', table: 'orders', type: 'insert', ts: TS, tsMs: TS * 1000, data: { id: 1, amount: 9.5 } });
    expect(decodeMaxwell(mw({ type: 'update', data: { id: 1, status: 'PAID' }, old: { status: 'NEW' } }))).toEqual({
      database: 'shop', table: 'orders', type: 'update', ts: TS, tsMs: TS * 1000, data: { id: 1, status: 'PAID' }, old: { status: 'NEW' },
    });
    expect(decodeMaxwell(mw({ type: 'update' })).old).toBeUndefined();
    expect(decodeMaxwell(mw({ type: 'delete', ts: 0 }))).toMatchObject({ type: 'delete', ts: 0, tsMs: 0, data: { id: 1 } });
  });

  it('decodes the bootstrap records', () => {
    expect(decodeMaxwell({ database: 'shop', table: 'orders', type: 'bootstrap-start', ts: TS, data: {} })).toEqual({ database: 'shop', table: 'orders', type: 'bootstrap-start', ts: TS, tsMs: TS * 1000, data: {} });
    expect(decodeMaxwell(mw({ type: 'bootstrap-insert' }))).toMatchObject({ type: 'bootstrap-insert', data: { id: 1, amount: 9.5 } });
    const complete = decodeMaxwell({ database: 'shop', table: 'orders', type: 'bootstrap-complete', ts: TS });
    expect(complete).toEqual({ database: 'shop', table: 'orders', type: 'bootstrap-complete', ts: TS, tsMs: TS * 1000 });
    expect(decodeMaxwell({ database: 'shop', table: 'orders', type: 'bootstrap-start', ts: TS, data: null }).data).toBeUndefined();
  });

  it('accepts every listed type', () => {
    expect(MAXWELL_TYPES).toHaveLength(6);
    for (const type of MAXWELL_TYPES) expect(decodeMaxwell(mw({ type })).type).toBe(type);
  });

  const { table: _t, ...noTable } = mw();
  const malformed: [string, unknown, RegExp][] = [
    ['not an object', [mw()], /maxwell: record must be a JSON object, got an array/],
    ['a string', 'insert', /record must be a JSON object, got string/],
    ['missing table', noTable, /table must be a non-empty string, got undefined/],
    ['empty database', mw({ database: '' }), /database must be a non-empty string, got an empty string/],
    ['database a number', mw({ database: 3 }), /database must be a non-empty string, got number/],
    ['unknown type', mw({ type: 'upsert' }), /type must be one of insert, update, .*; got "upsert"/],
    ['type missing', mw({ type: undefined }), /type must be one of .*got undefined/],
    ['ts a ms-looking string', mw({ ts: '1700000000000' }), /ts must be a number, got string "1700000000000"/],
    ['ts in milliseconds', mw({ ts: TS * 1000 }), /ts 1700000000000 looks like milliseconds/],
    ['negative ts', mw({ ts: -1 }), /ts must not be negative, got -1/],
    ['fractional ts', mw({ ts: TS + 0.5 }), /ts must be an integer, got 1700000000.5/],
    ['ts missing', mw({ ts: undefined }), /ts must be a number, got undefined/],
    ['data missing for insert', mw({ data: undefined }), /data is required for insert, got nothing/],
    ['data null for delete', mw({ type: 'delete', data: null }), /data is required for delete, got null/],
    ['data missing for bootstrap-insert', mw({ type: 'bootstrap-insert', data: undefined }), /data is required for bootstrap-insert/],
    ['data an array', mw({ data: [1, 2] }), /data must be an object, got an array/],
    ['data a string', mw({ type: 'update', data: '{"id":1}' }), /data must be an object, got string/],
    ['old not an object', mw({ type: 'update', old: 'NEW' }), /old must be an object, got string/],
    ['bootstrap-start data a number', { database: 'shop', table: 'orders', type: 'bootstrap-start', ts: TS, data: 5 }, /data must be an object, got number/],
  ];
  it.each(malformed)('rejects %s', (_name, value, reason) => {
    expect(reasonOf(() => decodeMaxwell(value))).toMatch(reason);
  });
});

describe('decodeDebezium', () => {
  it('decodes c, u, d and r', () => {
    expect(decodeDebezium(dbz())).toEqual({ database: 'shop', table: 'orders', op: 'insert', tsMs: TS * 1000, after: { id: 1 } });
    expect(decodeDebezium(dbz({ op: 'u', before: { id: 1, s: 'a' }, after: { id: 1, s: 'b' } }))).toEqual({
      database: 'shop', table: 'orders', op: 'update', tsMs: TS * 1000, before: { id: 1, s: 'a' }, after: { id: 1, s: 'b' },
    });
    expect(decodeDebezium(dbz({ op: 'u', before: null })).before).toBeUndefined();
    expect(decodeDebezium(dbz({ op: 'd', before: { id: 1 }, after: null }))).toEqual({ database: 'shop', table: 'orders', op: 'delete', tsMs: TS * 1000, before: { id: 1 } });
    expect(decodeDebezium(dbz({ op: 'r', ts_ms: undefined }))).toMatchObject({ op: 'read', after: { id: 1 } });
  });

  it('unwraps the schema/payload envelope', () => {
    expect(decodeDebezium({ schema: { type: 'struct', fields: [] }, payload: dbz({ op: 'u', before: { id: 0 } }) })).toMatchObject({ op: 'update', before: { id: 0 }, after: { id: 1 } });
  });

  const malformed: [string, unknown, RegExp][] = [
    ['tombstone null', null, /debezium: tombstone \(null value\)/],
    ['tombstone in an envelope', { schema: null, payload: null }, /tombstone/],
    ['not an object', 42, /record must be a JSON object, got number/],
    ['op unknown', dbz({ op: 'x' }), /op must be one of c, u, d, r; got "x"/],
    ['op missing', dbz({ op: undefined }), /op must be one of c, u, d, r; got undefined/],
    ['op inherited name', dbz({ op: 'toString' }), /op must be one of c, u, d, r; got "toString"/],
    ['source missing', dbz({ source: undefined }), /source must be an object, got nothing/],
    ['source an array', dbz({ source: [] }), /source must be an object, got an array/],
    ['source.table empty', dbz({ source: src({ table: '' }) }), /source.table must be a non-empty string/],
    ['source.db missing', dbz({ source: src({ db: undefined }) }), /source.db must be a non-empty string, got undefined/],
    ['source.ts_ms a string', dbz({ source: src({ ts_ms: '1700000000000' }) }), /source.ts_ms must be a number, got string/],
    ['envelope ts_ms not a number', dbz({ ts_ms: 'now' }), /^debezium: ts_ms must be a number, got string "now"/],
    ['envelope ts_ms negative', dbz({ ts_ms: -5 }), /^debezium: ts_ms must not be negative/],
    ['missing after for c', dbz({ after: null }), /after is required for op "c", got null/],
    ['missing after for u', dbz({ op: 'u', after: undefined }), /after is required for op "u", got nothing/],
    ['missing after for r', dbz({ op: 'r', after: null }), /after is required for op "r"/],
    ['missing before for d', dbz({ op: 'd', before: null, after: null }), /before is required for op "d", got null/],
    ['after an array', dbz({ after: [{ id: 1 }] }), /after must be an object, got an array/],
    ['before a string', dbz({ op: 'u', before: 'x' }), /before must be an object, got string/],
  ];
  it.each(malformed)('rejects %s', (_name, value, reason) => {
    expect(reasonOf(() => decodeDebezium(value))).toMatch(reason);
  });
});
