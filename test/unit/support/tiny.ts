/**
 * Helpers for the tiny jobs the unit tests define: a JSON source with event time `ts` and
 * bounded out-of-orderness, a Kinesis sink, and JSON lines.
 */
import { KinesisSink, KinesisSource, WatermarkStrategy, type DataStream, type Job } from '../../../lib/api/index.ts';
import type { SinkSpec } from '../../../lib/connectors/sink-spec.ts';

export const OUT_OF_ORDERNESS = 5000;

/** A source named `name` whose records carry their event time in `ts`. */
export function tsSource<T extends { ts: number }>(job: Job, name = 'in', options: { shards?: number; outOfOrderness?: number } = {}): DataStream<T> {
  return job.fromSource(
    KinesisSource.json<T>(name, { shards: options.shards }),
    WatermarkStrategy.forBoundedOutOfOrderness<T>(options.outOfOrderness ?? OUT_OF_ORDERNESS).withTimestampAssigner((e) => e.ts),
  );
}

export function sink<T>(name: string): SinkSpec<T> {
  return KinesisSink.json<T>(name, { partitionKey: () => name });
}

export function lines(events: object[]): string[] {
  return events.map((e) => JSON.stringify(e));
}

/** Groups rows by a field, keeping their order within each group. */
export function groupBy<T>(rows: T[], field: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = field(row);
    const list = groups.get(k) ?? [];
    list.push(row);
    groups.set(k, list);
  }
  return groups;
}
