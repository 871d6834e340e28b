import { describe, expect, it } from "vitest";
import { generateNexmark, nexmarkEventId, nexmarkJsonl, outOfOrderGroupSize, type Auction, type Bid, type Person } from "./generator.ts";

const T0 = 1_795_132_800_000; // 2026-11-20T00:00:00Z
const big = generateNexmark({ seed: 7, events: 20_000 });
/** Event id of a row at the default 32 ms delay: ts = T0 + 32·a exactly. */
const idOf = (ts: number) => (ts - T0) / 32;
/** Largest (max ts of earlier lines) − ts over a file: the disorder actually present. */
const maxLateness = (ts: number[]) => ts.reduce(([worst, max], t) => [Math.max(worst, max - t), Math.max(max, t)], [0, -Infinity])[0];
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));

describe("nexmark generator", () => {
  it("is deterministic per seed and differs across seeds", () => {
    expect(generateNexmark({ seed: 7, events: 20_000 })).toEqual(big);
    const small = generateNexmark({ seed: 3, events: 500 });
    expect(generateNexmark({ seed: 3, events: 500 })).toEqual(small);
    const other = generateNexmark({ seed: 4, events: 500 });
    expect(other).not.toEqual(small);
    // The differences are in the random details, not the ids and times.
    expect(other.persons.map((p) => p.name)).not.toEqual(small.persons.map((p) => p.name));
    expect(other.bids.map((b) => b.price)).not.toEqual(small.bids.map((b) => b.price));
    expect(other.persons.map((p) => [p.id, p.ts])).toEqual(small.persons.map((p) => [p.id, p.ts]));
  });

  it("picks the largest out-of-order group within the jitter, coprime with 953", () => {
    expect(outOfOrderGroupSize(32, 4000)).toBe(125); // 124·32 = 3968 ≤ 3999 < 125·32
    expect(outOfOrderGroupSize(32, 0)).toBe(1);
    expect(outOfOrderGroupSize(32, 1)).toBe(1);
    expect(outOfOrderGroupSize(30, 4000)).toBe(134); // 133·30 = 3990 ≤ 3999 < 134·30
    expect(outOfOrderGroupSize(1, 953)).toBe(952); // 953 itself fits but is not coprime with 953
    expect(outOfOrderGroupSize(0.5, 10)).toBe(19); // 18·0.5 = 9 ≤ 9
    for (const [d, j] of [[32, 4000], [30, 4000], [1, 953], [1, 2000], [7, 5000], [32, 32], [32, 33], [100, 1]]) {
      const g = outOfOrderGroupSize(d, j);
      expect(gcd(g, 953)).toBe(1);
      expect((g - 1) * d).toBeLessThanOrEqual(j - 1 < 0 ? 0 : j - 1);
      // No larger coprime size fits.
      for (let h = g + 1; h <= g + 2000; h++) if (gcd(h, 953) === 1) expect((h - 1) * d).toBeGreaterThan(j - 1);
    }
    expect(() => outOfOrderGroupSize(0, 4000)).toThrow(/delayMs/);
    expect(() => outOfOrderGroupSize(32, -1)).toThrow(/maxJitterMs/);
  });

  it("permutes event numbers within groups, the last partial group with its own size", () => {
    expect(nexmarkEventId(0, 1000, 125)).toBe(0);
    expect(nexmarkEventId(1, 1000, 125)).toBe(78); // 953 mod 125
    expect(nexmarkEventId(126, 1000, 125)).toBe(125 + 78);
    expect(nexmarkEventId(126, 130, 125)).toBe(125 + 3); // size 5: 953 mod 5 = 3
    expect(nexmarkEventId(5, 10, 1)).toBe(5);
    for (const [n, g] of [[0, 125], [1, 125], [124, 125], [125, 125], [126, 125], [20_000, 125], [350, 125], [1000, 1], [3000, 952], [2000, 1906], [1953, 1000]]) {
      const ids = range(0, n).map((k) => nexmarkEventId(k, n, g));
      expect([...ids].sort((x, y) => x - y)).toEqual(range(0, n));
      for (let k = 0; k < n; k++) expect(Math.floor(ids[k] / g)).toBe(Math.floor(k / g)); // stays in its group
    }
    // At the defaults, 20,000 events are not in order, but each stays in its group of 125.
    expect(range(0, 20_000).filter((k) => nexmarkEventId(k, 20_000, 125) !== k).length).toBeGreaterThan(19_000);
  });

  it("gives the kinds in proportion 1 : 3 : 46 and carries ids 0..N−1 exactly once", () => {
    for (const m of [1, 7, 400]) {
      const n = 50 * m;
      const d = m === 400 ? big : generateNexmark({ seed: 1, events: n });
      expect([d.persons.length, d.auctions.length, d.bids.length]).toEqual([m, 3 * m, 46 * m]);
      const ids = [...d.persons, ...d.auctions, ...d.bids].map((r) => idOf(r.ts));
      expect(ids.sort((x, y) => x - y)).toEqual(range(0, n));
    }
    expect(generateNexmark({ seed: 1, events: 0 })).toEqual({ persons: [], auctions: [], bids: [] });
  });

  it("gives persons and auctions the ids of their event id, and draws ts from it", () => {
    for (const p of big.persons) {
      const a = idOf(p.ts);
      expect(a % 50).toBe(0);
      expect(p.id).toBe(1000 + a / 50);
    }
    for (const x of big.auctions) {
      const a = idOf(x.ts);
      expect([1, 2, 3]).toContain(a % 50);
      expect(x.id).toBe(1000 + 3 * Math.floor(a / 50) + (a % 50) - 1);
    }
    for (const b of big.bids) expect(idOf(b.ts) % 50).toBeGreaterThanOrEqual(4);
    expect(big.persons.map((p) => p.id).sort((x, y) => x - y)).toEqual(range(1000, 400));
    expect(big.auctions.map((x) => x.id).sort((x, y) => x - y)).toEqual(range(1000, 1200));
    // A few ids by hand: person 1000 + j is event 50j, at T0 + 50j·32 ms.
    const person = (id: number) => big.persons.find((p) => p.id === id)!;
    expect(person(1000).ts).toBe(T0);
    expect(person(1001).ts).toBe(T0 + 1600);
    expect(person(1399).ts).toBe(T0 + 19_950 * 32);
    const auction = (id: number) => big.auctions.find((x) => x.id === id)!;
    expect(auction(1000).ts).toBe(T0 + 32); // event 1
    expect(auction(1005).ts).toBe(T0 + 53 * 32); // event 53
    // ts = T0 + floor(a·delay_us / 1000) with a fractional delay: 0.1 ms = 100 µs.
    const fine = generateNexmark({ seed: 2, events: 5000, delayMs: 0.1, maxJitterMs: 0 });
    for (const p of fine.persons) expect(p.ts).toBe(T0 + Math.floor((50 * (p.id - 1000) * 100) / 1000));
    expect(fine.auctions.find((x) => x.id === 1000 + 3 * 17 + 2)!.ts).toBe(T0 + Math.floor((17 * 50 + 3) / 10));
    const slow = generateNexmark({ seed: 2, events: 200, delayMs: 1000, maxJitterMs: 0 });
    expect(slow.persons.map((p) => p.ts)).toEqual([0, 50_000, 100_000, 150_000].map((t) => T0 + t));
  });

  it("refers to plausible persons and auctions, with the hot ones as often as Nexmark", () => {
    const lastPerson = (a: number) => Math.floor(a / 50); // base 0
    const personRange = (a: number): [number, number] => [1000 + Math.max(0, lastPerson(a) + 1 - 1000), 1000 + lastPerson(a) + 10];
    for (const x of big.auctions) {
      const [lo, hi] = personRange(idOf(x.ts));
      expect(x.seller).toBeGreaterThanOrEqual(lo);
      expect(x.seller).toBeLessThanOrEqual(hi);
    }
    let hotAuctions = 0;
    let hotBidders = 0;
    for (const b of big.bids) {
      const a = idOf(b.ts);
      const lastAuction = 3 * Math.floor(a / 50) + 2; // base 0
      expect(b.auction).toBeGreaterThanOrEqual(1000 + Math.max(0, lastAuction - 100));
      expect(b.auction).toBeLessThanOrEqual(1000 + lastAuction + 10);
      const [lo, hi] = personRange(a);
      expect(b.bidder).toBeGreaterThanOrEqual(lo);
      expect(b.bidder).toBeLessThanOrEqual(hi);
      if (b.auction === 1000 + 100 * Math.floor(lastAuction / 100)) hotAuctions++;
      if (b.bidder === 1000 + 100 * Math.floor(lastPerson(a) / 100) + 1) hotBidders++;
    }
    expect(hotAuctions / big.bids.length).toBeGreaterThan(0.45);
    expect(hotAuctions / big.bids.length).toBeLessThan(0.56);
    expect(hotBidders / big.bids.length).toBeGreaterThan(0.7);
    expect(hotBidders / big.bids.length).toBeLessThan(0.8);
    const hotSellers = big.auctions.filter((x) => x.seller === 1000 + 100 * Math.floor(lastPerson(idOf(x.ts)) / 100)).length;
    expect(hotSellers / big.auctions.length).toBeGreaterThan(0.68);
    expect(hotSellers / big.auctions.length).toBeLessThan(0.82);
  });

  it("keeps every file within 4000 ms of disorder, and in order with maxJitterMs 0", () => {
    for (const d of [big, generateNexmark({ seed: 9, events: 1234 })]) {
      for (const file of [d.persons, d.auctions, d.bids]) expect(maxLateness(file.map((r) => r.ts))).toBeLessThanOrEqual(4000);
      expect(maxLateness(d.bids.map((r) => r.ts))).toBeGreaterThan(3000); // yet really out of order
      expect(maxLateness(d.auctions.map((r) => r.ts))).toBeGreaterThan(0);
    }
    const custom = generateNexmark({ seed: 9, events: 5000, delayMs: 10, maxJitterMs: 1500 });
    for (const file of [custom.persons, custom.auctions, custom.bids]) expect(maxLateness(file.map((r) => r.ts))).toBeLessThanOrEqual(1500);
    const ordered = generateNexmark({ seed: 9, events: 5000, maxJitterMs: 0 });
    for (const file of [ordered.persons, ordered.auctions, ordered.bids]) {
      const ts = file.map((r) => r.ts);
      expect(ts).toEqual([...ts].sort((x, y) => x - y));
    }
    expect(ordered.persons.map((p) => p.id)).toEqual(range(1000, 100));
  });

  it("writes exactly the fields of section 1, ints as integers", () => {
    const isInt = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v);
    const isStr = (v: unknown) => typeof v === "string";
    const check = (rows: object[], fields: Record<string, (v: unknown) => boolean>) => {
      const text = nexmarkJsonl(rows);
      const lines = text.split("\n");
      expect(lines.pop()).toBe("");
      expect(lines.length).toBe(rows.length);
      for (const line of lines) {
        const row = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(row).sort()).toEqual(Object.keys(fields).sort());
        for (const [name, ok] of Object.entries(fields)) expect(ok(row[name]), `${name}: ${JSON.stringify(row[name])}`).toBe(true);
      }
    };
    check(big.persons, { id: isInt, name: isStr, emailAddress: isStr, creditCard: isStr, city: isStr, state: isStr, ts: isInt });
    check(big.auctions, { id: isInt, itemName: isStr, description: isStr, initialBid: isInt, reserve: isInt, ts: isInt, expires: isInt, seller: isInt, category: isInt });
    check(big.bids, { auction: isInt, bidder: isInt, price: isInt, channel: isStr, url: isStr, ts: isInt });
    expect(nexmarkJsonl([])).toBe("");
    expect(nexmarkJsonl([{ a: 1 }, { b: "x" }])).toBe('{"a":1}\n{"b":"x"}\n');
  });

  it("draws the details as Nexmark does", () => {
    const first = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
    const last = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
    const cities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
    const states = ["AZ", "CA", "ID", "OR", "WA", "WY"];
    for (const p of big.persons as Person[]) {
      const [f, l, ...rest] = p.name.split(" ");
      expect(rest).toEqual([]);
      expect(first).toContain(f);
      expect(last).toContain(l);
      expect(cities).toContain(p.city);
      expect(states).toContain(p.state);
      expect(p.emailAddress).toMatch(/^[a-z ]*@[a-z ]*\.com$/);
      expect(p.creditCard).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    }
    expect(new Set(big.persons.map((p) => p.state)).size).toBe(6);
    expect(new Set(big.persons.map((p) => p.city)).size).toBe(10);
    const h = 1666 * 32; // ts(a + 1666) − ts(a) at 32 ms
    for (const x of big.auctions as Auction[]) {
      expect(x.category).toBeGreaterThanOrEqual(10);
      expect(x.category).toBeLessThanOrEqual(14);
      expect(x.initialBid).toBeGreaterThanOrEqual(100);
      expect(x.initialBid).toBeLessThanOrEqual(100_000_000);
      expect(x.reserve - x.initialBid).toBeGreaterThanOrEqual(100);
      expect(x.reserve - x.initialBid).toBeLessThanOrEqual(100_000_000);
      expect(x.expires - x.ts).toBeGreaterThanOrEqual(1);
      expect(x.expires - x.ts).toBeLessThanOrEqual(2 * h);
      expect(x.itemName).toMatch(/^[a-z ]{0,19}$/);
      expect(x.description).toMatch(/^[a-z ]{0,99}$/);
      expect(x.itemName).toBe(x.itemName.trim());
    }
    expect(new Set(big.auctions.map((x) => x.category))).toEqual(new Set([10, 11, 12, 13, 14]));
    expect(big.auctions.some((x) => x.description.includes(" "))).toBe(true);
    expect(Math.max(...big.auctions.map((x) => x.expires - x.ts))).toBeGreaterThan(h); // auctions last up to ~107 s
    const urlOf = new Map<string, string>();
    const hot = ["Google", "Facebook", "Baidu", "Apple"];
    for (const b of big.bids as Bid[]) {
      expect(b.price).toBeGreaterThanOrEqual(100);
      expect(b.price).toBeLessThanOrEqual(100_000_000);
      if (!hot.includes(b.channel)) {
        const m = /^channel-(\d+)$/.exec(b.channel);
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBeLessThan(10_000);
      }
      expect(b.url).toMatch(/^https:\/\/www\.nexmark\.com\/[a-z_]+\/[a-z_]+\/[a-z_]+\/item\.htm\?query=1(&channel_id=\d+)?$/);
      expect(urlOf.get(b.channel) ?? b.url).toBe(b.url); // one URL per channel
      urlOf.set(b.channel, b.url);
    }
    const hotShare = big.bids.filter((b) => hot.includes(b.channel)).length / big.bids.length;
    expect(hotShare).toBeGreaterThan(0.45);
    expect(hotShare).toBeLessThan(0.55);
    const channelUrls = [...urlOf].filter(([c]) => !hot.includes(c)).map(([, u]) => u);
    const withId = channelUrls.filter((u) => u.includes("&channel_id=")).length / channelUrls.length;
    expect(withId).toBeGreaterThan(0.85);
    expect(withId).toBeLessThan(0.95);
  });

  it("refuses bad options", () => {
    expect(() => generateNexmark({ seed: 1.5, events: 10 })).toThrow(/seed/);
    expect(() => generateNexmark({ seed: 1, events: -1 })).toThrow(/events/);
    expect(() => generateNexmark({ seed: 1, events: 10, delayMs: 0 })).toThrow(/delayMs/);
    expect(() => generateNexmark({ seed: 1, events: 10, maxJitterMs: 1.5 })).toThrow(/maxJitterMs/);
  });
});
