/** lib/cost/units.ts and metered-store.ts: the billing rules, against numbers worked out by hand. */
import { describe, expect, it } from 'vitest';
import { CostMeter } from '../../../lib/cost/meter.ts';
import { itemKind, MeteredStore } from '../../../lib/cost/metered-store.ts';
import { billedLambdaMs, kinesisRecordBytes, onDemandBilledKb, putPayloadUnits, readUnits, storedItemSize, writeUnits } from '../../../lib/cost/units.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import type { Item } from '../../../lib/state/store.ts';

describe('billing units', () => {
  it('Kinesis: PUT payload units of 25 KB, on-demand KB rounded up, a record is data + partition key', () => {
    expect(kinesisRecordBytes(Buffer.from('{"a":1}'), 'ké')).toBe(7 + 3); // é is two bytes
    expect([1, 25 * 1024, 25 * 1024 + 1, 45 * 1024, 1000 * 1024].map(putPayloadUnits)).toEqual([1, 1, 2, 2, 40]);
    expect([1, 1024, 1025, 4.5 * 1024].map(onDemandBilledKb)).toEqual([1, 1, 2, 5]);
  });

  it('DynamoDB: reads per 4 KB (an absent item one), writes per 1 KB; Lambda per started ms', () => {
    expect([0, 4096, 4097, 10_000].map(readUnits)).toEqual([1, 1, 2, 3]);
    expect([0, 1024, 1025, 3000].map(writeUnits)).toEqual([1, 1, 2, 3]);
    expect([0, 0.2, 1, 3.2].map(billedLambdaMs)).toEqual([1, 1, 1, 4]);
  });

  it('sizes an item as DynamoDbStore writes it: attribute names and values, pk and sk included', () => {
    const item: Item = { table: 'state', pk: 's#op#k1', sk: 'count', attrs: { v: 'x'.repeat(2000), n: 12345 } };
    // v + 2000 chars, n + 12345 (3 bytes: ⌈5 digits / 2⌉ + 1), pk + 7, sk + 5
    expect(storedItemSize(item)).toBe(1 + 2000 + 1 + 4 + 2 + 7 + 2 + 5);
  });

  it('names items by kind from their key', () => {
    expect(itemKind({ table: 'state', pk: 's#op#k', sk: 'v' })).toBe('state');
    expect(itemKind({ table: 'state', pk: 't#op#7', sk: 'x' })).toBe('timer');
    expect(itemKind({ table: 'state', pk: 'c#op', sk: 'shardId-0' })).toBe('checkpoint');
    expect(itemKind({ table: 'state', pk: 'r#op#shardId-0', sk: '1#00000' })).toBe('redo');
    expect(itemKind({ table: 'dead-letter', pk: 'op#shardId-0', sk: '1' })).toBe('dead-letter');
  });
});

describe('MeteredStore', () => {
  const item = (pk: string, bytes: number, sk = 'v'): Item => ({ table: 'state', pk, sk, attrs: { v: 'x'.repeat(bytes) } });
  const overhead = (pk: string, sk = 'v') => 1 + 2 + pk.length + 2 + sk.length; // names v, pk, sk and the key values
  const checkpoint = (version: number | undefined) => ({ item: { table: 'state' as const, pk: 'c#op', sk: 'shardId-0', attrs: { version: (version ?? 0) + 1 } }, expectedVersion: version });

  it('charges a transaction twice per item, BatchWriteItem once, overwrites and deletes by the larger, old size', async () => {
    const meter = new CostMeter();
    const store = new MeteredStore(new MemoryStore(), meter);
    await meter.run('op', async () => {
      // 1500 B → 2 units, 100 B → 1, the checkpoint → 1: all doubled in the transaction
      await store.commit({ puts: [item('s#a', 1500 - overhead('s#a')), item('s#b', 100)], deletes: [], checkpoint: checkpoint(undefined) });
      expect(meter.actor('op').dynamo.writeUnits).toBe(2 * (2 + 1 + 1));
      // s#a shrinks to 10 B: charged its old 1500 B (2); s#b deleted: its old size (1); an absent key: 1
      await store.writeBatch([item('s#a', 10)], [{ table: 'state', pk: 's#b', sk: 'v' }, { table: 'state', pk: 's#z', sk: 'v' }]);
      expect(meter.actor('op').dynamo.writeUnits).toBe(8 + 2 + 1 + 1);
      // the next overwrite of s#a is charged its new, small size
      await store.writeBatch([item('s#a', 20)], []);
      expect(meter.actor('op').dynamo.writeUnits).toBe(12 + 1);
    });
    const d = meter.actor('op').dynamo;
    expect(d.requests).toBe(3);
    expect(d.byKind).toEqual({ state: { readUnits: 0, writeUnits: 2 * 3 + 4 + 1 }, checkpoint: { readUnits: 0, writeUnits: 2 } });
  });

  it('charges a commit of the checkpoint alone once per KB: DynamoDbStore makes it a conditional PutItem', async () => {
    const meter = new CostMeter();
    const store = new MeteredStore(new MemoryStore(), meter);
    const big = (version: number | undefined) => ({ ...checkpoint(version), item: { ...checkpoint(version).item, attrs: { version: (version ?? 0) + 1, log: 'x'.repeat(1500) } } });
    await meter.run('op', async () => {
      await store.commit({ puts: [], deletes: [], checkpoint: checkpoint(undefined) });
      expect(meter.actor('op').dynamo.writeUnits).toBe(1);
      await store.commit({ puts: [], deletes: [], checkpoint: big(1) }); // 2 KB
      expect(meter.actor('op').dynamo.writeUnits).toBe(1 + 2);
      await store.commit({ puts: [], deletes: [], checkpoint: checkpoint(2) }); // small again, charged by the old 2 KB
      expect(meter.actor('op').dynamo.writeUnits).toBe(3 + 2);
    });
  });

  it('charges reads per item found by 4 KB, an absent key one unit, a Query its sum, a Scan the whole table', async () => {
    const meter = new CostMeter();
    const store = new MeteredStore(new MemoryStore(), meter);
    await meter.run('setup', () => store.writeBatch([item('s#big', 9000), item('t#op#1', 100, 'a'), item('t#op#1', 5000, 'b'), item('s#other', 3000)], []));
    await meter.run('op', async () => {
      await store.batchGet([{ table: 'state', pk: 's#big', sk: 'v' }, { table: 'state', pk: 's#none', sk: 'v' }]);
      expect(meter.actor('op').dynamo.readUnits).toBe(3 + 1); // ⌈(9000 + overhead) / 4096⌉ = 3, absent 1
      await store.query('state', 't#op#1');
      const querySize = 100 + overhead('t#op#1', 'a') + 5000 + overhead('t#op#1', 'b');
      expect(meter.actor('op').dynamo.readUnits).toBe(4 + Math.ceil(querySize / 4096));
      await store.query('state', 't#op#nothing');
      expect(meter.actor('op').dynamo.readUnits).toBe(4 + 2 + 1);
      await store.scan('state', { pkPrefix: 's#big' }); // reads every item of the table
      const table = 9000 + overhead('s#big') + querySize + 3000 + overhead('s#other');
      expect(meter.actor('op').dynamo.readUnits).toBe(7 + Math.ceil(table / 4096));
    });
    expect(meter.actor('op').dynamo.requests).toBe(1 + 1 + 1 + 1);
  });
});
