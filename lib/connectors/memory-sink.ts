import type { SinkRecordOut } from '../runtime/outputs.ts';
import type { SinkWriter } from './sink-writer.ts';

/**
 * Keeps sink outputs in memory, by sink name: for unit tests and engine benchmarks.
 *
 * @example
 * ```ts
 * const sinks = new MemorySinkWriter();
 * // ... run ...
 * sinks.values('paid'); // every output of sink "paid", in write order
 * ```
 */
export class MemorySinkWriter implements SinkWriter {
  readonly records: SinkRecordOut[] = [];
  private readonly ids = new Set<string>();

  /** Idempotent by output id, as every eddy sink: a retried batch's outputs are kept once. */
  async write(records: SinkRecordOut[]): Promise<void> {
    for (const r of records) {
      if (this.ids.has(r.id)) continue;
      this.ids.add(r.id);
      this.records.push(r);
    }
  }

  values(sink: string): unknown[] {
    return this.records.filter((r) => r.sink === sink).map((r) => r.value);
  }
}
