/**
 * The two ways to split one Maxwell stream by table, for bench/cdc-split.ts:
 *
 * - `cdcSplitJob(tables)`: what functions/cdc-split/job.ts does, for any list of tables: one
 *   ProcessFunction chained into the source stage routes each change record to its table's side
 *   output, everything else to `other`. One job, one source stage: the stream is read once.
 * - `cdcFilterJobs(tables)`: what users write without side outputs: one pipeline per table
 *   (source → filter its table → map to the row → sink) plus one for `other`, each its own job
 *   reading the whole stream. An eddy job cannot read one stream through two sources, so each
 *   pipeline is a separate job (in a deployment: a separate Lambda event source mapping on the
 *   same stream, each reading every record).
 *
 * Both route with {@link routeOf}, the rule of functions/cdc-split/job.ts: an insert, update or
 * delete of a listed table becomes `{type, ts, data}` in the table's sink; anything else (other
 * tables, bootstrap records) goes to `other` whole. Sink names and partition keys are the
 * shipped job's.
 */
import {
  Job, KinesisSink, KinesisSource, OutputTag, ProcessFunction, Time, WatermarkStrategy,
  type Collector, type MaxwellRecord, type ProcessContext, type WithRaw,
} from '../../lib/api/index.ts';

export const OTHER = 'other';

export interface TableRow {
  type: 'insert' | 'update' | 'delete';
  ts: number;
  data: Record<string, unknown>;
}

type Change = WithRaw<MaxwellRecord>;

/** The sink a change record belongs to: its table's, for a row change of a listed table; else {@link OTHER}. */
export function routeOf(c: Pick<MaxwellRecord, 'table' | 'type'>, tables: ReadonlySet<string>): string {
  return tables.has(c.table) && (c.type === 'insert' || c.type === 'update' || c.type === 'delete') ? c.table : OTHER;
}

const toRow = (c: Change): TableRow => ({ type: c.type as TableRow['type'], ts: c.ts, data: c.data! });
const tableSink = (table: string) => KinesisSink.json<TableRow>(table, { partitionKey: (r) => String(r.data.id ?? r.ts) });
const otherSink = () => KinesisSink.json<Record<string, unknown>>(OTHER, { partitionKey: (r) => String(r.table ?? OTHER) });

function changes(job: Job) {
  return job.fromSource(
    KinesisSource.maxwell('maxwell', { partitionKey: (r) => `${r.database}.${r.table}` }),
    WatermarkStrategy.forBoundedOutOfOrderness<Change>(Time.seconds(5)).withTimestampAssigner((c) => c.tsMs),
  );
}

class SplitByTable extends ProcessFunction<Change, Record<string, unknown>> {
  constructor(private readonly tables: ReadonlySet<string>, private readonly tags: Map<string, OutputTag<TableRow>>) {
    super();
  }

  processElement(c: Change, ctx: ProcessContext, other: Collector<Record<string, unknown>>) {
    const route = routeOf(c, this.tables);
    if (route === OTHER) other.collect(c.raw);
    else ctx.output(this.tags.get(route)!, toRow(c));
  }
}

/** One job: the stream read once, split by side outputs (one sink per table, plus `other`). */
export function cdcSplitJob(tables: readonly string[], options: { name?: string; batchSize?: number } = {}): Job {
  const set = new Set(tables);
  const tags = new Map(tables.map((t) => [t, new OutputTag<TableRow>(t)]));
  const job = new Job(options.name ?? 'bench-cdc-split', { parallelism: 1, batchSize: options.batchSize ?? 100 });
  const split = changes(job).process(new SplitByTable(set, tags), { uid: 'split-by-table' });
  for (const t of tables) split.getSideOutput(tags.get(t)!).sinkTo(tableSink(t));
  split.sinkTo(otherSink());
  return job;
}

/** One job per table plus one for `other`, each reading the whole stream and keeping its share. */
export function cdcFilterJobs(tables: readonly string[], options: { batchSize?: number } = {}): Job[] {
  const set = new Set(tables);
  const jobs: Job[] = [];
  for (const target of [...tables, OTHER]) {
    const job = new Job(`bench-cdc-filter-${target.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`, { parallelism: 1, batchSize: options.batchSize ?? 100 });
    const mine = changes(job).filter((c) => routeOf(c, set) === target);
    if (target === OTHER) mine.map((c) => c.raw).sinkTo(otherSink());
    else mine.map(toRow).sinkTo(tableSink(target));
    jobs.push(job);
  }
  return jobs;
}
