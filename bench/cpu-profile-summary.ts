/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function, self time by
 * source file, and inclusive time of the functions given on the command line.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/run-ts.mjs bench/hot-items.ts --skip-hot-items-per-window
 *   node bin/run-ts.mjs bench/cpu-profile-summary.ts /tmp/prof/<main thread>.cpuprofile [top=25] [name …]
 *
 * (tsx writes a second, idle profile for its loader thread; take the larger file.)
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, ...names] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top] [function name …]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const where = (n: ProfileNode) => n.callFrame.url.replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '') || '(native)';
const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}`;

const sampleTime = new Map<number, number>();
profile.samples.forEach((id, i) => sampleTime.set(id, (sampleTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

let total = 0;
const self = new Map<string, number>();
const selfByFile = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, t] of sampleTime) {
  total += t;
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + t);
  selfByFile.set(where(node), (selfByFile.get(where(node)) ?? 0) + t);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const frame = byId.get(cur)!;
    const name = label(frame);
    if (names.includes(frame.callFrame.functionName) && !seen.has(name)) {
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    }
  }
}

const print = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${(t / 1000).toFixed(0).padStart(8)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by function', self, top);
print('self time by file', selfByFile, top);
if (names.length > 0) print('inclusive time (sample stacks containing the function)', inclusive, inclusive.size);
