/**
 * Log-structured state on DynamoDB Local: a keyed job runs with its shards' state restored
 * from DynamoDB whenever an invocation lands on an execution environment without a current
 * copy — a fresh container, one that lost its memory in a crash, a stale one — including
 * crashes in the middle of a materialization (after some snapshot parts are written, before the
 * checkpoint names them). Outputs and the final state must equal a run on per-key items in
 * memory without any failure; restores must have read from DynamoDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job, KeyedProcessFunction, MapStateDescriptor, ValueStateDescriptor, type Collector, type KeyedContext, type MapState, type OnTimerContext, type RuntimeContext, type ValueState } from '../../../lib/api/index.ts';
import { createClients, resolveAwsTarget, type AwsClients } from '../../../lib/aws/config.ts';
import { DynamoDbStore } from '../../../lib/aws/dynamodb-store.ts';
import { provisionPlan } from '../../../lib/aws/provision.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import type { BatchResult } from '../../../lib/runtime/batch.ts';
import type { SinkRecordOut } from '../../../lib/runtime/outputs.ts';
import type { Item, ItemKey, KeyValueStore } from '../../../lib/state/store.ts';
import { InjectedCrash, driveToEnd } from '../../unit/support/drive.ts';
import { stateDump } from '../../unit/support/state-items.ts';
import { lines, sink, tsSource } from '../../unit/support/tiny.ts';
import { localEndpoints } from '../../support/stack.ts';

type Ev = { k: string; v: number; ts: number };
type Out = { k: string; total: number; distinct: number; at: number; fired?: boolean };

class Totals extends KeyedProcessFunction<string, Ev, Out> {
  private total!: ValueState<number>;
  private seen!: MapState<number, true>;
  override open(ctx: RuntimeContext) {
    this.total = ctx.getState(new ValueStateDescriptor<number>('total'));
    this.seen = ctx.getMapState(new MapStateDescriptor<number, true>('seen'));
  }
  async processElement(e: Ev, ctx: KeyedContext<string>, out: Collector<Out>) {
    const total = ((await this.total.value()) ?? 0) + e.v;
    await this.total.update(total);
    await this.seen.put(e.v, true);
    ctx.timerService().registerEventTimeTimer(e.ts + 3_000);
    out.collect({ k: e.k, total, distinct: (await this.seen.keys()).length, at: e.ts });
  }
  override async onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<Out>) {
    out.collect({ k: ctx.getCurrentKey(), total: (await this.total.value()) ?? 0, distinct: (await this.seen.keys()).length, at: ts, fired: true });
  }
}

function job(backend: 'log' | 'items') {
  // Snapshots every few KB of log: several materializations in a small run.
  const j = new Job('t-log-restore', { parallelism: 2, stateBackend: backend, changelog: { minLogBytes: 2_500, logToSnapshotRatio: 1 } });
  tsSource<Ev>(j, 'in').keyBy((e) => e.k).process(new Totals(), { uid: 'totals' }).sinkTo(sink('out'));
  return j;
}

const events: Ev[] = Array.from({ length: 400 }, (_, i) => ({ k: `key-${(i * 7) % 23}`, v: (i * 13) % 17, ts: 1_000_000 + i * 150 }));

/** Crashes a materialization after writing part of its snapshot, before the checkpoint names it, when told to. */
class CrashingSnapshots implements KeyValueStore {
  crashNext = false;
  crashed = 0;
  constructor(private readonly inner: KeyValueStore) {}
  batchGet = (keys: ItemKey[]) => this.inner.batchGet(keys);
  query = (...a: Parameters<KeyValueStore['query']>) => this.inner.query(...a);
  scan = (...a: Parameters<KeyValueStore['scan']>) => this.inner.scan(...a);
  commit = (...a: Parameters<KeyValueStore['commit']>) => this.inner.commit(...a);
  stats = () => this.inner.stats();
  async writeBatch(puts: Item[], deletes: ItemKey[]): Promise<void> {
    if (this.crashNext && puts.some((p) => p.pk.startsWith('m#'))) {
      this.crashNext = false;
      this.crashed++;
      await this.inner.writeBatch(puts.slice(0, Math.ceil(puts.length / 2)), []); // some parts made it
      throw new InjectedCrash('crash in the middle of writing a snapshot');
    }
    return this.inner.writeBatch(puts, deletes);
  }
}

const prefix = `logrestore${process.pid}-`;
let clients: AwsClients;

beforeAll(async () => {
  const endpoints = localEndpoints();
  clients = createClients(resolveAwsTarget({ EDDY_DYNAMODB_ENDPOINT: endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: endpoints.kinesis, AWS_REGION: 'us-east-1' }));
  await provisionPlan({ ...planJob(job('log').graph), streams: [] }, clients, prefix);
}, 120_000);
afterAll(() => {
  clients?.dynamodb.destroy();
  clients?.kinesis.destroy();
});

const values = (records: SinkRecordOut[]) => [...new Map(records.map((r) => [r.id, JSON.stringify(r.value)])).values()].sort();
const live = (items: Item[]) => items.map(({ pk, sk, attrs: { expiresAt: _, ...attrs } }) => JSON.stringify([pk, sk, attrs])).sort();

describe('log-structured state on DynamoDB Local', () => {
  it('restores a shard after container loss and after crashes mid-materialization, exactly', async () => {
    const reference = await driveToEnd(job('items'), { in: lines(events) }, { batchSize: (stage) => (stage === 'source-in' ? 10 : 1) });
    const dynamo = new DynamoDbStore(clients.documents, { state: `${prefix}t-log-restore-state`, 'dead-letter': `${prefix}t-log-restore-dead-letter` });
    const store = new CrashingSnapshots(dynamo);
    let n = 0;
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
    const batches: BatchResult[] = [];
    const run = await driveToEnd(job('log'), { in: lines(events) }, {
      store,
      wallClock: () => Date.now(), // DynamoDB Local applies native TTL: log and snapshot items must expire in real time
      batchSize: (stage) => (stage === 'source-in' ? 10 : 1), // the keyed stage: a batch per upstream record
      environments: 3,
      environment: () => (n++, Math.floor(random() * 3)), // no affinity: a container's copy is current, stale or missing
      crash: () => (n % 11 === 5 ? 'after-commit' : undefined), // the container is lost after a commit
      onBatch: (b) => {
        batches.push(b);
        if (b.commit === 'snapshot' && store.crashed < 3) store.crashNext = true; // the next materialization crashes halfway
      },
    });
    expect(run.deadLetters).toEqual([]);
    expect(values(run.sinks.records)).toEqual(values(reference.sinks.records));
    expect(live(await stateDump(run))).toEqual(live(await stateDump(reference)));

    const keyed = batches.filter((b) => b.state);
    expect(store.crashed).toBe(3);
    expect(run.crashes).toBeGreaterThan(3);
    const restores = keyed.filter((b) => b.state!.access === 'restore' && b.state!.bytesRead > 0);
    expect(restores.length).toBeGreaterThan(2); // read back from DynamoDB Local, snapshot parts and log
    expect(keyed.some((b) => b.state!.access === 'catch-up')).toBe(true);
    expect(keyed.filter((b) => b.commit === 'snapshot').length).toBeGreaterThan(3);
  });
});
