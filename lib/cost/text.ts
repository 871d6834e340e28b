/** Plain-text helpers of `eddy cost`'s report and the cost benches. */

/** A whole number with thousands separators. @example `int(12345.6) // '12,346'` */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
/** A number with `digits` decimals and thousands separators. @example `num(1234.5, 2) // '1,234.50'` */
export const num = (n: number, digits: number): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * Dollars with enough digits to tell small amounts apart.
 *
 * @example
 * ```ts
 * usd(0.01234); // '$0.0123'
 * usd(12.5); // '$12.50'
 * ```
 */
export function usd(n: number): string {
  if (n === 0) return '$0';
  return `$${n.toFixed(n >= 1 ? 2 : Math.min(8, Math.max(4, 2 - Math.floor(Math.log10(n)))))}`;
}

/**
 * A plain-text table, first column left-aligned, the others right-aligned.
 *
 * @example
 * ```ts
 * textTable(['stage', 'n'], [['a', 1]]); // ['stage  n', '-----  -', 'a      1']
 * ```
 */
export function textTable(headers: string[], rows: (string | number)[][]): string[] {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)];
}
