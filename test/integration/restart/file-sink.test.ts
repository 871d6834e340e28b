/**
 * FileSinkWriter is what makes `--out` files exactly-once across restarts: a crash can leave
 * ids without lines or a torn last line, and a retried batch re-delivers the same ids.
 */
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSinkWriter } from '../../../lib/connectors/file-sink.ts';

const rec = (id: string, n: number, sink = 'paid') => ({ sink, id, value: { n }, json: JSON.stringify({ n }) });
const lines = async (dir: string, file: string) => (await readFile(join(dir, file), 'utf8')).split('\n').filter(Boolean);

describe('FileSinkWriter', () => {
  it('writes a re-delivered output once, within a batch, across batches and across writers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-file-sink-'));
    const first = new FileSinkWriter(dir);
    await first.write([rec('s/0/1/0', 1), rec('s/0/1/0', 1), rec('s/0/2/0', 2)]);
    await first.write([rec('s/0/2/0', 2), rec('s/0/3/0', 3)]);
    await new FileSinkWriter(dir).write([rec('s/0/1/0', 1), rec('s/0/4/0', 4)]); // a restarted process
    expect(await lines(dir, 'paid.jsonl')).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    expect(await lines(dir, '.paid.ids')).toEqual(['s/0/1/0', 's/0/2/0', 's/0/3/0', 's/0/4/0']);
  });

  it('recovers from a crash between the id and its line, and from a torn last line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-file-sink-'));
    await new FileSinkWriter(dir).write([rec('a', 1), rec('b', 2)]);
    // Killed after writing the ids of the next batch but before its lines; and in another sink mid-line.
    await appendFile(join(dir, '.paid.ids'), 'c\nd\n');
    await new FileSinkWriter(dir).write([rec('x', 9, 'timeouts')]);
    await appendFile(join(dir, '.timeouts.ids'), 'y\n');
    await appendFile(join(dir, 'timeouts.jsonl'), '{"n":1');
    const again = new FileSinkWriter(dir);
    await again.write([rec('b', 2), rec('c', 3), rec('d', 4)]); // the retried batch
    await again.write([rec('x', 9, 'timeouts'), rec('y', 10, 'timeouts')]);
    expect(await lines(dir, 'paid.jsonl')).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    expect(await lines(dir, '.paid.ids')).toEqual(['a', 'b', 'c', 'd']);
    expect(await lines(dir, 'timeouts.jsonl')).toEqual(['{"n":9}', '{"n":10}']);
  });

  it('keeps lines it did not write (no ids) and the two files aligned under concurrent writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-file-sink-'));
    await writeFile(join(dir, 'paid.jsonl'), '{"old":true}\n');
    const sink = new FileSinkWriter(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => sink.write([rec(`id-${i}`, i), rec(`id-${i}b`, i + 100)])));
    const [ls, ids] = [await lines(dir, 'paid.jsonl'), await lines(dir, '.paid.ids')];
    expect(ls.length).toBe(41);
    expect(ids[0]).toBe('-');
    ids.slice(1).forEach((id, i) => expect(JSON.parse(ls[i + 1]).n).toBe(Number(/\d+/.exec(id)![0]) + (id.endsWith('b') ? 100 : 0)));
  });
});
