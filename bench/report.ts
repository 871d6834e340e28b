/** Output helpers shared by the benchmarks: plain-text tables on stdout, notes on stderr. */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';

export const out = (line = '') => process.stdout.write(line + '\n');
export const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The median of some figures (the mean of the middle two for an even count). @example median([3, 1, 2]); // 2 */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A table with the first column left-aligned and the others right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  out(line(headers));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) out(line(r));
}

/** The machine a bench ran on, as its output records it. */
export function machineLine(): string {
  return `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
}

/**
 * Runs a bench section on its own when its file is the entry point (`node bin/run-ts.mjs bench/<file>.ts`):
 * a title with the time, the machine, the section, and how long it took.
 */
export async function runWhenEntry(moduleUrl: string, title: string, section: () => Promise<unknown>): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  out(`eddy bench (${title}) — ${new Date().toISOString()}`);
  out(machineLine());
  const started = performance.now();
  await section();
  out();
  out(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
}
