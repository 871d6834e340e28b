/**
 * kinesis-mock can crash on SIGTERM mid-snapshot and leave its file truncated; the stack's stop
 * must then put back a complete snapshot taken after the stop was asked for.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kinesisSnapshotPath, stopKeepingSnapshot } from '../../../lib/local/kinesis-snapshot.ts';

/** Rewrites the snapshot every `ms`, as kinesis-mock's persist loop does; the content counts the writes. */
async function fakeKinesis(dataDir: string, ms = 200) {
  const path = kinesisSnapshotPath(dataDir);
  await mkdir(join(dataDir, 'kinesis'), { recursive: true });
  let n = 0;
  const write = () => writeFile(path, JSON.stringify({ streams: { s: { records: Array.from({ length: 2000 }, (_, i) => `r-${i}`) } }, n: ++n }));
  await write();
  const timer = setInterval(() => void write(), ms);
  return { path, stop: () => clearInterval(timer), writes: () => n };
}

describe('stopKeepingSnapshot', () => {
  it('puts back the last complete snapshot when the emulator truncates it while stopping', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-snapshot-'));
    const kinesis = await fakeKinesis(dir);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const asked = kinesis.writes();
    const logs: string[] = [];
    await stopKeepingSnapshot(dir, async () => {
      kinesis.stop();
      await writeFile(kinesis.path, '{"streams":{"s":{"rec'); // the crash: a torn rewrite
    }, (line) => logs.push(line));
    const restored = JSON.parse(await readFile(kinesis.path, 'utf8'));
    expect(restored.n).toBeGreaterThan(asked); // written after the stop was asked for
    expect(restored.streams.s.records).toHaveLength(2000);
    expect(logs.join('\n')).toMatch(/restored its last periodic snapshot/);
  });

  it('leaves a good final snapshot alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eddy-snapshot-'));
    const kinesis = await fakeKinesis(dir);
    await stopKeepingSnapshot(dir, async () => {
      kinesis.stop();
      await writeFile(kinesis.path, JSON.stringify({ final: true }));
    }, () => {});
    expect(JSON.parse(await readFile(kinesis.path, 'utf8'))).toEqual({ final: true });
  });
});
