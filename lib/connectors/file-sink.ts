import { appendFile, mkdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { SinkRecordOut } from '../runtime/outputs.ts';
import type { SinkWriter } from './sink-writer.ts';

/** Stands in the ids file for a line whose id is unknown (written by something else: replay's empty files, an older eddy). */
const UNKNOWN_ID = '-';

/** One sink's pair of files, reconciled, with the ids it already holds. */
interface SinkFile {
  lines: string;
  ids: string;
  written: Set<string>;
}

export interface FileSinkOptions {
  /** Hears the records actually appended (re-deliveries already in the file are not repeated). */
  onAppend?: (records: SinkRecordOut[]) => void;
}

/**
 * Local runs: every sink appends JSON Lines to `<dir>/<sink>.jsonl`, each output exactly once
 * even across retries, restarts and SIGKILL.
 *
 * Why it is idempotent: a batch writes its sink records before it commits its checkpoint, so a
 * batch that crashed after writing is run again and re-emits the same records under the same
 * deterministic `id` (its input position). The writer keeps a sidecar `<dir>/.<sink>.ids` with
 * the id of line i on line i, and skips ids it already holds. The id is appended BEFORE the
 * line, so a crash leaves at worst ids without lines (never lines without ids); on opening, the
 * ids file is cut back to the number of complete lines and a torn last line is removed, after
 * which the ids are exactly those of the lines — the outputs they lack were not committed and
 * come again. Writes to one file are serialized inside the process, so that the two files keep
 * the same order when several shards write at once; two processes must not share a directory
 * (`eddy run` locks it). Durability is the page cache's: it survives the process, not the OS.
 * The sidecar is not named `*.jsonl`, so the directory still holds exactly one file per sink.
 *
 * @example
 * ```ts
 * const sink = new FileSinkWriter('out');
 * await sink.write([{ sink: 'paid', value: { orderId: 'o-1' }, json: '{"orderId":"o-1"}', id: 's/0/1/0' }]);
 * await sink.write([{ sink: 'paid', value: { orderId: 'o-1' }, json: '{"orderId":"o-1"}', id: 's/0/1/0' }]); // a retry: no second line
 * ```
 */
export class FileSinkWriter implements SinkWriter {
  private readonly files = new Map<string, Promise<SinkFile>>();
  /** Per sink, the tail of its chain of writes. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string, private readonly options: FileSinkOptions = {}) {}

  async write(records: SinkRecordOut[]): Promise<void> {
    if (records.length === 0) return;
    const bySink = new Map<string, SinkRecordOut[]>();
    for (const r of records) {
      const list = bySink.get(r.sink) ?? [];
      list.push(r);
      bySink.set(r.sink, list);
    }
    await Promise.all([...bySink].map(([sink, list]) => this.serialized(sink, () => this.append(sink, list))));
  }

  private serialized(sink: string, body: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(sink) ?? Promise.resolve()).then(body);
    // The chain continues after a failure; the failure itself goes to this caller.
    this.queues.set(sink, run.catch(() => {}));
    return run;
  }

  private async append(sink: string, records: SinkRecordOut[]): Promise<void> {
    let file = this.files.get(sink);
    if (!file) this.files.set(sink, (file = this.openSink(sink)));
    const f = await file.catch((error) => {
      this.files.delete(sink); // try again on the next write
      throw error;
    });
    const fresh = [...new Map(records.filter((r) => !f.written.has(r.id)).map((r) => [r.id, r])).values()];
    if (fresh.length === 0) return;
    await appendFile(f.ids, fresh.map((r) => r.id).join('\n') + '\n');
    await appendFile(f.lines, fresh.map((r) => r.json).join('\n') + '\n');
    for (const r of fresh) f.written.add(r.id);
    this.options.onAppend?.(fresh);
  }

  /** Opens a sink's files and brings them back in step after whatever interrupted the last writer. */
  private async openSink(sink: string): Promise<SinkFile> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const lines = join(this.dir, `${sink}.jsonl`);
    const ids = join(this.dir, `.${sink}.ids`);
    // A torn last line (killed mid-append) is removed: its output was not committed and comes again.
    const lineCount = await cutAfterLastNewline(lines);
    await cutAfterLastNewline(ids);
    const known = (await readFile(ids, 'utf8').catch(() => '')).split('\n').slice(0, -1);
    if (known.length > lineCount) {
      // Ids written, lines not: forget those ids, their lines will be written when the batch is retried.
      await truncate(ids, Buffer.byteLength(known.slice(0, lineCount).map((id) => id + '\n').join('')));
      known.length = lineCount;
    } else if (known.length < lineCount) {
      // Lines that came without ids (not ours): keep the positions aligned.
      await appendFile(ids, Array(lineCount - known.length).fill(UNKNOWN_ID + '\n').join(''));
    }
    return { lines, ids, written: new Set(known.filter((id) => id !== UNKNOWN_ID)) };
  }
}

/** Truncates a file after its last newline; returns the number of complete lines (0 if missing). */
async function cutAfterLastNewline(path: string): Promise<number> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const end = content.lastIndexOf(0x0a) + 1;
  if (end < content.length) await truncate(path, end);
  let count = 0;
  for (let i = content.indexOf(0x0a); i !== -1 && i < end; i = content.indexOf(0x0a, i + 1)) count++;
  return count;
}
