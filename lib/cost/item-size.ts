/**
 * The size of a DynamoDB item as DynamoDB bills it (attribute names plus values, by its
 * published rules): what read and write units are computed from, by `eddy cost` and the benches.
 *
 * @example
 * ```ts
 * itemSize({ pk: { S: 'a' }, v: { N: '12' } }); // 2 + 1 + 1 + 2
 * ```
 */
const encoder = new TextEncoder();
const AV_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** Item size as DynamoDB counts it: attribute names plus values; takes marshalled or plain items. */
export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += encoder.encode(name).length + valueSize(value);
  return size;
}

function numberSize(n: number | string): number {
  const digits = String(n).replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return encoder.encode(value).length;
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (value instanceof Uint8Array) return value.length;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && AV_TYPES.has(entries[0][0])) {
      const [type, v] = entries[0];
      if (type === 'N') return numberSize(v as string);
      if (type === 'NS') return (v as string[]).reduce((sum, n) => sum + numberSize(n), 0);
      if (type === 'M') return 3 + Object.entries(v as Record<string, unknown>).reduce((sum, [k, x]) => sum + 1 + encoder.encode(k).length + valueSize(x), 0);
      if (type === 'L') return 3 + (v as unknown[]).reduce((sum: number, x) => sum + 1 + valueSize(x), 0);
      if (type === 'NULL' || type === 'BOOL') return 1;
      if (type === 'SS' || type === 'BS') return (v as unknown[]).reduce((sum: number, x) => sum + valueSize(x), 0);
      return valueSize(v);
    }
    return 3 + entries.reduce((sum, [k, x]) => sum + 1 + encoder.encode(k).length + valueSize(x), 0);
  }
  return 0;
}
