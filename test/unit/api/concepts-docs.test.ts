/**
 * docs/concepts.md must say what the code does: its `// runnable` blocks are written to modules
 * inside the package, type-checked and imported (test/unit/support/doc-snippets.ts), then
 * replayed in memory against outputs worked out by hand; the key rules it states are checked
 * on records that break them (dead-lettered with the reason the page gives); its listing of
 * the timer API is compared with lib/api/functions.ts; and `eddy run --drain` is shown to be
 * terminal (records fed afterwards are late, their event-time timers never fire).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from '../../../lib/api/index.ts';
import { MemorySinkWriter } from '../../../lib/connectors/memory-sink.ts';
import { EventSourceRunner } from '../../../lib/local/event-source-runner.ts';
import { allStagesEnded } from '../../../lib/local/idle.ts';
import { replayInMemory } from '../../../lib/local/in-memory.ts';
import { taskInvoker } from '../../../lib/local/invokers.ts';
import { MemoryStreams } from '../../../lib/local/memory-streams.ts';
import { endSource, feedSource } from '../../../lib/local/replay.ts';
import { planJob } from '../../../lib/plan/planner.ts';
import { countPendingTimers } from '../../../lib/runtime/inspect.ts';
import type { RuntimeServices } from '../../../lib/runtime/task.ts';
import { MemoryStore } from '../../../lib/state/memory-store.ts';
import { loadRunnableSnippets, repoRoot, typeCheck, type DocSnippets } from '../support/doc-snippets.ts';

const jsonl = (records: object[]) => records.map((r) => JSON.stringify(r));

let snippets: DocSnippets;
let files: string[];
let jobs: Map<string, Job>;

beforeAll(async () => {
  snippets = await loadRunnableSnippets('docs/concepts.md');
  ({ files, jobs } = snippets);
});

afterAll(async () => {
  await snippets?.remove();
});

describe('docs/concepts.md snippets', () => {
  it('has runnable snippets, each a module exporting a Job as default', async () => {
    expect(files.length).toBe(2);
    for (const file of files) expect((await import(pathToFileURL(file).href)).default, file).toBeInstanceOf(Job);
    expect([...jobs.keys()].sort()).toEqual(['idle-users', 'sensor-minutes']);
    for (const job of jobs.values()) expect(planJob(job.graph).stages.map((s) => s.kind)).toEqual(['source', 'keyed']);
  });

  it('type-checks with the repository compiler options', () => {
    expect(typeCheck(files)).toEqual([]);
  }, 120_000);

  it('lists the timer API as lib/api/functions.ts declares it', async () => {
    const page = await readFile(join(repoRoot, 'docs/concepts.md'), 'utf8');
    const listing = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.startsWith('interface TimerService'));
    expect(listing).toBeDefined();
    // Same declarations up to `export`, parameter names' leading underscores, bodies and trailing comments.
    const normalize = (line: string) =>
      line.replace(/\/\/.*$/, '').replace(/^\s*export\s+/, '').replace(/([(,]\s*)_(\w)/g, '$1$2').replace(/\s*\{\}\s*$/, '').replace(/;\s*$/, '').replace(/\s+/g, ' ').trim();
    const declared = new Set((await readFile(join(repoRoot, 'lib/api/functions.ts'), 'utf8')).split('\n').map(normalize));
    const lines = listing!.split('\n').map(normalize).filter((l) => l !== '' && l !== '}');
    expect(lines.length).toBe(15);
    for (const line of lines) expect(declared.has(line), line).toBe(true);
    expect(lines).toContain('onTimer(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void | Promise<void>');
  });

  it('idle-users: a moved deadline deletes the old timer; event-time timers fire as the watermark passes them, the rest at the end of input', async () => {
    const activity = [
      { userId: 'u1', ts: 0 },
      { userId: 'u2', ts: 60_000 },
      { userId: 'u1', ts: 300_000 }, // u1's timer at 600 000 is deleted, one at 900 000 registered
      { userId: 'u3', ts: 700_000 }, // watermark 694 999: u2's timer at 660 000 fires
    ];
    const fired: number[] = [];
    const { sinks, deadLetters } = await replayInMemory(jobs.get('idle-users')!, { activity: jsonl(activity) }, {
      onBatch: (b) => b.stage === 'idle-users' && fired.push(b.timersFired),
    });
    expect(deadLetters).toEqual([]);
    expect(sinks.values('idle')).toEqual([
      { userId: 'u2', lastSeen: 60_000, idleAt: 660_000 },
      { userId: 'u1', lastSeen: 300_000, idleAt: 900_000 }, // at the end of input, earliest first
      { userId: 'u3', lastSeen: 700_000, idleAt: 1_300_000 },
    ]);
    expect(fired.reduce((a, b) => a + b, 0)).toBe(3); // the deleted timer never fired
  });

  it('key rules: an empty key or one whose JSON is over 1,024 characters is dead-lettered with the reason the page gives', async () => {
    const page = await readFile(join(repoRoot, 'docs/concepts.md'), 'utf8');
    expect(page).toContain('- `missing key (key selector returned <value>)`');
    expect(page).toContain('- `key longer than 1024 characters`');
    expect(page).toContain('`missing key (key selector returned "")`');
    const longest = 'k'.repeat(1_022); // JSON "kkk…": 1,024 characters
    const quoted = `${'q'.repeat(1_020)}"`; // JSON escapes the quote: 1 + 1,020 + 2 + 1 = 1,024
    const records = [
      { userId: '', ts: 0 },
      { userId: longest, ts: 1_000 },
      { userId: `${longest}k`, ts: 2_000 },
      { userId: quoted, ts: 3_000 },
      { userId: `q${quoted}`, ts: 4_000 },
    ];
    const lines = jsonl(records);
    const { sinks, deadLetters } = await replayInMemory(jobs.get('idle-users')!, { activity: lines });
    expect(deadLetters.map((d) => ({ stage: d.stage, reason: d.reason, record: d.record }))).toEqual([
      { stage: 'source-activity', reason: 'missing key (key selector returned "")', record: lines[0] },
      { stage: 'source-activity', reason: 'key longer than 1024 characters', record: lines[2] },
      { stage: 'source-activity', reason: 'key longer than 1024 characters', record: lines[4] },
    ]);
    expect((sinks.values('idle') as { userId: string }[]).map((i) => i.userId).sort()).toEqual([longest, quoted].sort());
  });

  it('sensor-minutes: one processing-time timer per sensor and minute, fired as simulated time passes it; a number key stays a number', async () => {
    const readings = [
      { sensor: 7, celsius: 20, ts: 1_000 },
      { sensor: 7, celsius: 21, ts: 20_000 },
      { sensor: 7, celsius: 22, ts: 59_999 }, // the same timer (60 000) registered three times
      { sensor: 7, celsius: 23, ts: 61_000 }, // processing time 61 000: the 60 000 timer fires
    ];
    const fired: number[] = [];
    const { sinks, deadLetters } = await replayInMemory(jobs.get('sensor-minutes')!, { readings: jsonl(readings) }, {
      onBatch: (b) => b.stage === 'readings-per-minute' && fired.push(b.timersFired),
    });
    expect(deadLetters).toEqual([]);
    expect(sinks.values('per-minute')).toEqual([
      { sensor: 7, minuteEnd: 60_000, readings: 3, domain: 'PROCESSING_TIME' },
      { sensor: 7, minuteEnd: 120_000, readings: 1, domain: 'PROCESSING_TIME' }, // at the end of input
    ]);
    expect(fired.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('eddy run --drain is terminal: records fed afterwards are late, and the event-time timers they register never fire', async () => {
    const job = jobs.get('idle-users')!;
    const plan = planJob(job.graph);
    const keyedStage = plan.stages.find((s) => s.kind === 'keyed')!.id;
    const store = new MemoryStore();
    const streams = new MemoryStreams();
    for (const s of plan.streams) streams.createStream(s.name, s.shards);
    const sinks = new MemorySinkWriter();
    // As eddy run: wall-clock processing time (fixed here), no sweep.
    const services: RuntimeServices = { store, streams, sinks, processingTime: 'system', wallClock: () => 1_700_000_000_000 };
    let dataIn = 0;
    let late = 0;
    const invoke = taskInvoker(job, plan, services, (b) => {
      if (b.stage !== keyedStage) return;
      dataIn += b.dataIn;
      late += b.late;
    });
    const runner = new EventSourceRunner({ plan, streams, reader: streams, invoke, pollIntervalMs: 1 });
    const drain = async () => {
      for (const stage of plan.stages.filter((s) => s.kind === 'source')) await endSource(services, stage.input.stream);
    };
    const feed = (records: object[]) => feedSource(job, services, 'activity', plan.stages[0].input.stream, jsonl(records));
    runner.start();
    try {
      await feed([{ userId: 'u1', ts: 0 }]);
      await drain();
      await runner.waitFor(async () => runner.caughtUp() && (await allStagesEnded(plan, streams, store)), 30_000);
      expect(sinks.values('idle')).toEqual([{ userId: 'u1', lastSeen: 0, idleAt: 600_000 }]); // the drain fired it
      expect(late).toBe(0);

      await feed([{ userId: 'u2', ts: 5_000_000 }]); // later than anything so far, and still late
      await runner.waitFor(async () => dataIn === 2 && runner.caughtUp(), 30_000);
      expect(late).toBe(1);
      await drain(); // a second drain adds nothing
      await runner.waitFor(async () => runner.caughtUp() && (await allStagesEnded(plan, streams, store)), 30_000);
      expect(sinks.values('idle')).toEqual([{ userId: 'u1', lastSeen: 0, idleAt: 600_000 }]);
      expect(await countPendingTimers(services, plan, keyedStage)).toBe(1); // u2's timer at 5 600 000, stored, never fired
    } finally {
      await runner.stop();
    }
  });
});
