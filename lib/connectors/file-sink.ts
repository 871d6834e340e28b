import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SinkRecordOut } from '../runtime/outputs.ts';
import type { SinkWriter } from './sink-writer.ts';

/**
 * Local runs: every sink appends JSON Lines to `<dir>/<sink>.jsonl`.
 *
 * @example
 * ```ts
 * await new FileSinkWriter('out').write([{ sink: 'paid', value: { orderId: 'o-1' }, id: 's/0/1/0' }]);
 * ```
 */
export class FileSinkWriter implements SinkWriter {
  private ready: Promise<unknown> | undefined;
  constructor(private readonly dir: string) {}

  async write(records: SinkRecordOut[]): Promise<void> {
    if (records.length === 0) return;
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const bySink = new Map<string, string[]>();
    for (const r of records) {
      const lines = bySink.get(r.sink) ?? [];
      lines.push(JSON.stringify(r.value));
      bySink.set(r.sink, lines);
    }
    for (const [sink, lines] of bySink) await appendFile(join(this.dir, `${sink}.jsonl`), lines.join('\n') + '\n');
  }
}
