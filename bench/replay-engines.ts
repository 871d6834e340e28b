/**
 * Replay engines (section R of `npm run bench`, or alone: `node bin/run-ts.mjs
 * bench/replay-engines.ts [--replay-orders=N] [--replay-runs=N]`): `eddy replay order-timeout`
 * as a user runs it — a whole `eddy` process — on the embedded stack (the default) and with
 * `--engine memory`, on the same generated input (3,800 orders: 10,179 lines by default),
 * alternately, and the files each wrote compared. See docs/benchmarks.md, "Replay engines".
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateOrderStream, toJsonl } from '../test/scenario/order-timeout/generator.ts';
import { fmt, note, out, runWhenEntry, table, median } from './report.ts';

const run = promisify(execFile);

/** Wall seconds of one `eddy replay` process, and the sink files it wrote. */
async function replayOnce(input: string, outDir: string, engine: 'stack' | 'memory'): Promise<{ seconds: number; files: Record<string, string> }> {
  const started = performance.now();
  await run('node', ['bin/eddy.mjs', 'replay', 'order-timeout', '--input', `orders=${input}`, '--out', outDir, '--quiet', '--engine', engine], { maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  const names = (await readdir(outDir)).filter((n) => n.endsWith('.jsonl') && n !== 'dead-letter.jsonl').sort();
  return { seconds, files: Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(outDir, n), 'utf8')] as const))) };
}


/** Times both engines `runs` times each, alternately; fails if their sink files differ. */
export async function benchReplayEngines(args: string[] = process.argv.slice(2)): Promise<{ stack: number; memory: number }> {
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const orders = Number(option('replay-orders') ?? 3800);
  const runs = Number(option('replay-runs') ?? 3);
  const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-replay-'));
  try {
    const lines = toJsonl(generateOrderStream({ seed: 4242, orders }));
    const input = join(dir, 'orders.jsonl');
    await writeFile(input, lines);
    const times = { stack: [] as number[], memory: [] as number[] };
    let reference: Record<string, string> | undefined;
    for (let i = 0; i < runs; i++) {
      for (const engine of ['stack', 'memory'] as const) {
        const r = await replayOnce(input, join(dir, `${engine}-${i}`), engine);
        times[engine].push(r.seconds);
        reference ??= r.files;
        if (JSON.stringify(r.files) !== JSON.stringify(reference)) throw new Error(`eddy replay --engine ${engine} wrote other sink files than the first run`);
        note(`replay ${engine} run ${i + 1}: ${fmt(r.seconds, 2)} s`);
      }
    }
    const stack = median(times.stack);
    const memory = median(times.memory);
    out(`\n== R. Replay engines: eddy replay order-timeout, ${fmt(lines.split('\n').filter(Boolean).length)} lines, ${runs} runs each, alternately (median wall seconds of the whole process)`);
    table(['engine', 'median s', 'runs'], [['stack (default)', fmt(stack, 2), times.stack.map((t) => fmt(t, 1)).join(' ')], ['memory', fmt(memory, 2), times.memory.map((t) => fmt(t, 1)).join(' ')]]);
    out(`   memory is ${fmt(stack / memory, 1)}x faster; the sink files of every run are identical`);
    return { stack, memory };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await runWhenEntry(import.meta.url, 'replay engines', () => benchReplayEngines());
