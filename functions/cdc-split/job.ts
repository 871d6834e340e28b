/**
 * cdc-split — one Maxwell stream, many tables, one pass (SCENARIOS.md): a ProcessFunction
 * chained into the source stage routes each change record to its table's side output, so the
 * stream is read once (no filter per table, no shuffle). Rows of `orders`, `order_detail` and
 * `user_info` (insert, update, delete) go to their sinks as `{type, ts, data}`; everything else
 * (other tables, bootstrap records) goes to `other` whole. Malformed change records are
 * dead-lettered with the reason by the Maxwell source.
 */
import {
  Job, KinesisSink, KinesisSource, OutputTag, ProcessFunction, Time, WatermarkStrategy,
  type Collector, type MaxwellRecord, type ProcessContext, type WithRaw,
} from 'eddy';

export const TABLES = ['orders', 'order_detail', 'user_info'] as const;
export type Table = (typeof TABLES)[number];
export interface TableRow { type: 'insert' | 'update' | 'delete'; ts: number; data: Record<string, unknown> }

const rowsOf = Object.fromEntries(TABLES.map((t) => [t, new OutputTag<TableRow>(t)])) as Record<Table, OutputTag<TableRow>>;
const isTable = (t: string): t is Table => (TABLES as readonly string[]).includes(t);

class SplitByTable extends ProcessFunction<WithRaw<MaxwellRecord>, Record<string, unknown>> {
  processElement(c: WithRaw<MaxwellRecord>, ctx: ProcessContext, other: Collector<Record<string, unknown>>) {
    if (isTable(c.table) && (c.type === 'insert' || c.type === 'update' || c.type === 'delete')) ctx.output(rowsOf[c.table], { type: c.type, ts: c.ts, data: c.data! });
    else other.collect(c.raw);
  }
}

const job = new Job('cdc-split', { parallelism: 1 });
const split = job
  .fromSource(
    KinesisSource.maxwell('maxwell', { partitionKey: (r) => `${r.database}.${r.table}` }),
    WatermarkStrategy.forBoundedOutOfOrderness<WithRaw<MaxwellRecord>>(Time.seconds(5)).withTimestampAssigner((c) => c.tsMs),
  )
  .process(new SplitByTable(), { uid: 'split-by-table' });
for (const table of TABLES) split.getSideOutput(rowsOf[table]).sinkTo(KinesisSink.json(table, { partitionKey: (r) => String(r.data.id ?? r.ts) }));
split.sinkTo(KinesisSink.json('other', { partitionKey: (r) => String(r.table ?? 'other') }));
export default job;
