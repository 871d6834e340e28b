/** Output helpers shared by the benchmarks: plain-text tables on stdout, notes on stderr. */
export const out = (line = '') => process.stdout.write(line + '\n');
export const note = (line: string) => process.stderr.write(`bench: ${line}\n`);
export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A table with the first column left-aligned and the others right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  out(line(headers));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) out(line(r));
}
