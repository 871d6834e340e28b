/**
 * The reference of /work/shared/NEXMARK.md: each query computed directly from its definition
 * (section 4) over the valid lines of the input files (section 1), for the scenario tests to
 * compare eddy's jobs with. No engine here: plain loops and maps.
 */

export interface Person { id: number; name: string; emailAddress: string; creditCard: string; city: string; state: string; ts: number }
export interface Auction { id: number; itemName: string; description: string; initialBid: number; reserve: number; ts: number; expires: number; seller: number; category: number }
export interface Bid { auction: number; bidder: number; price: number; channel: string; url: string; ts: number }

const FIELDS = {
  persons: { id: 'int', name: 'str', emailAddress: 'str', creditCard: 'str', city: 'str', state: 'str', ts: 'int' },
  auctions: { id: 'int', itemName: 'str', description: 'str', initialBid: 'int', reserve: 'int', ts: 'int', expires: 'int', seller: 'int', category: 'int' },
  bids: { auction: 'int', bidder: 'int', price: 'int', channel: 'str', url: 'str', ts: 'int' },
} as const;

/**
 * The valid lines of a stream's file, parsed (section 1: a JSON object with all of the stream's
 * fields of the right JSON type; extra fields ignored, and dropped here).
 */
export function validRows<T>(stream: keyof typeof FIELDS, lines: string[]): T[] {
  const fields = FIELDS[stream];
  const out: T[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const row = value as Record<string, unknown>;
    const ok = Object.entries(fields).every(([name, type]) => (type === 'int' ? Number.isInteger(row[name]) : typeof row[name] === 'string'));
    if (ok) out.push(Object.fromEntries(Object.keys(fields).map((name) => [name, row[name]])) as T);
  }
  return out;
}

/** Section 2: the reference refuses windowed queries on input whose disorder reaches 5 s. */
function requireBoundedDisorder(rows: { ts: number }[]): void {
  let max = -Infinity;
  for (const r of rows) {
    if (r.ts <= max - 5000) throw new Error(`disorder reaches 5000 ms (ts ${r.ts} after ${max}): the result would depend on when windows fire`);
    max = Math.max(max, r.ts);
  }
}

const floorMod = (a: number, n: number) => ((a % n) + n) % n;

export const q1 = (bids: Bid[]) => bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, ts: b.ts }));

export const q2 = (bids: Bid[]) => bids.filter((b) => floorMod(b.auction, 123) === 0).map((b) => ({ auction: b.auction, price: b.price }));

export function q3(persons: Person[], auctions: Auction[]) {
  const rows: { name: string; city: string; state: string; id: number }[] = [];
  const personsOf = new Map<number, Person[]>(); // every person row of an id, in input order
  for (const p of persons) personsOf.set(p.id, [...(personsOf.get(p.id) ?? []), p]);
  for (const a of auctions) {
    if (a.category !== 10) continue;
    for (const p of personsOf.get(a.seller) ?? []) if (['OR', 'ID', 'CA'].includes(p.state)) rows.push({ name: p.name, city: p.city, state: p.state, id: a.id });
  }
  return rows;
}

export function q4(auctions: Auction[], bids: Bid[]) {
  const finals = new Map<string, { category: number; final: number }>();
  const bidsOf = new Map<number, Bid[]>(); // each auction's bids, in input order (all pairs, without visiting every bid per auction)
  for (const b of bids) {
    const list = bidsOf.get(b.auction);
    if (list) list.push(b);
    else bidsOf.set(b.auction, [b]);
  }
  for (const a of auctions) {
    for (const b of bidsOf.get(a.id) ?? []) {
      if (b.ts < a.ts || b.ts > a.expires) continue;
      const group = `${a.id}/${a.category}`;
      const held = finals.get(group);
      if (!held || b.price > held.final) finals.set(group, { category: a.category, final: b.price });
    }
  }
  const perCategory = new Map<number, { sum: number; n: number }>();
  for (const { category, final } of finals.values()) {
    const c = perCategory.get(category) ?? { sum: 0, n: 0 };
    c.sum += final;
    c.n += 1;
    perCategory.set(category, c);
  }
  return [...perCategory].map(([category, { sum, n }]) => ({ category, avgPrice: sum / n, numAuctions: n }));
}

export function q5(bids: Bid[]) {
  requireBoundedDisorder(bids);
  const windows = new Map<number, Map<number, number>>();
  for (const b of bids) {
    const last = b.ts - floorMod(b.ts, 2000);
    for (let s = last; s > b.ts - 10_000; s -= 2000) {
      const counts = windows.get(s) ?? new Map<number, number>();
      counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
      windows.set(s, counts);
    }
  }
  const rows: { auction: number; num: number; starttime: number; endtime: number }[] = [];
  for (const [s, counts] of windows) {
    const maxn = Math.max(...counts.values());
    for (const [auction, num] of counts) if (num === maxn) rows.push({ auction, num, starttime: s, endtime: s + 10_000 });
  }
  return rows;
}

export function q7(bids: Bid[]) {
  requireBoundedDisorder(bids);
  const max = new Map<number, number>();
  const start = (ts: number) => ts - floorMod(ts, 10_000);
  for (const b of bids) max.set(start(b.ts), Math.max(max.get(start(b.ts)) ?? -Infinity, b.price));
  return bids.filter((b) => b.price === max.get(start(b.ts))).map((b) => ({ auction: b.auction, price: b.price, bidder: b.bidder, ts: b.ts, windowEnd: start(b.ts) + 10_000 }));
}

export function q8(persons: Person[], auctions: Auction[]) {
  requireBoundedDisorder(persons);
  requireBoundedDisorder(auctions);
  const start = (ts: number) => ts - floorMod(ts, 10_000);
  const sellers = new Set(auctions.map((a) => `${a.seller}@${start(a.ts)}`));
  const seen = new Set<string>();
  const rows: { id: number; name: string; starttime: number }[] = [];
  for (const p of persons) {
    const s = start(p.ts);
    const key = JSON.stringify([p.id, p.name, s]);
    if (seen.has(key) || !sellers.has(`${p.id}@${s}`)) continue;
    seen.add(key);
    rows.push({ id: p.id, name: p.name, starttime: s });
  }
  return rows;
}

/**
 * Section 3's comparison as a canonical multiset: each row as JSON with sorted keys, floats
 * (q1 `price`, q4 `avgPrice`) rounded to 6 decimals for the tolerance, sorted.
 */
export function canonicalRows(rows: object[], floatFields: string[] = []): string[] {
  return rows
    .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, floatFields.includes(k) ? Math.round((v as number) * 1e6) / 1e6 : v]))))
    .sort();
}
