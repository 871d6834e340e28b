import { seededRandom } from "../../../lib/runtime/seeded-random.ts";
// Seeded, deterministic Nexmark input (/work/shared/NEXMARK.md section 5): a port of the
// nexmark/nexmark (Flink) generator, itself from Apache Beam's Nexmark, at its default
// configuration. Event number k (line order over all three files) carries the event id a, a
// permutation of k within out-of-order groups; a fixes the kind, the ids and ts; every other
// value of the event comes from its own PRNG seeded by (seed, a), as Beam seeds one per event.
//
// Bounded disorder: the ids of a group are all below those of the next group, so across groups
// ts never decreases; inside a group of g events ts spans at most
// floor((g - 1)·delay) + 1 <= maxJitter ms. Hence in every file each ts is >= (largest earlier
// ts) - maxJitterMs.

export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  ts: number;
}

export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  ts: number;
  expires: number;
  seller: number;
  category: number;
}

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  ts: number;
}

export interface NexmarkOptions {
  seed: number;
  /** Total number of events over the three streams. */
  events: number;
  /** Inter-event delay in ms; delayMs·1000 must be a positive integer (microseconds). Default 32. */
  delayMs?: number;
  /** Largest disorder in ms within a stream (0 gives in-order files). Default 4000. */
  maxJitterMs?: number;
}

export interface NexmarkData {
  persons: Person[];
  auctions: Auction[];
  bids: Bid[];
}

/** ts of event id 0: 2026-11-20T00:00:00Z. */
export const NEXMARK_BASE_TS = 1_795_132_800_000;

const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const PERSON_PROPORTION = 1;
const AUCTION_PROPORTION = 3;
const TOTAL_PROPORTION = 50;
const HOT_AUCTION_RATIO = 2;
const HOT_SELLERS_RATIO = 4;
const HOT_BIDDERS_RATIO = 4;
const HOT_RATIO_SIZE = 100; // HOT_AUCTION_RATIO / HOT_SELLER_RATIO / HOT_BIDDER_RATIO block size in the Java source
const NUM_IN_FLIGHT_AUCTIONS = 100;
const NUM_ACTIVE_PEOPLE = 1000;
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const MIN_STRING_LENGTH = 3;
/** numInFlightAuctions · totalProportion / auctionProportion (integer division): 1666. */
const NUM_EVENTS_FOR_AUCTIONS = Math.floor((NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION) / AUCTION_PROPORTION);
/** The multiplier of Nexmark's out-of-order permutation. */
const PERMUTATION_MULTIPLIER = 953;

const HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
const HOT_CHANNELS_RATIO = 2;
const CHANNELS_NUMBER = 10_000;
const US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
const FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];

// Tags that keep the PRNG streams of events, hot URLs and channel URLs apart.
const TAG_EVENT = 1;
const TAG_HOT_URLS = 2;
const TAG_CHANNEL = 3;

const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));

function delayUsOf(delayMs: number): number {
  const us = delayMs * 1000;
  if (!Number.isInteger(us) || us <= 0) throw new RangeError(`delayMs must be a positive whole number of microseconds, got ${delayMs}`);
  return us;
}

/**
 * Nexmark's out-of-order group size g: the largest g with (g − 1)·delayMs ≤ maxJitterMs − 1 and
 * gcd(g, 953) = 1; 1 (in order) when maxJitterMs ≤ 0. At the defaults (32, 4000): 125.
 */
export function outOfOrderGroupSize(delayMs: number, maxJitterMs: number): number {
  const delayUs = delayUsOf(delayMs);
  if (!Number.isInteger(maxJitterMs) || maxJitterMs < 0) throw new RangeError(`maxJitterMs must be an integer >= 0, got ${maxJitterMs}`);
  if (maxJitterMs === 0) return 1;
  let g = Math.floor(((maxJitterMs - 1) * 1000) / delayUs) + 1;
  while (g > 1 && gcd(g, PERMUTATION_MULTIPLIER) !== 1) g--;
  return g;
}

/**
 * The event id a carried by event number k (0 ≤ k < events) for group size g:
 * a = base + ((k − base)·953 mod size), base = the group's first k, size = g or, for the last
 * partial group, its own size. (If that size shares a factor with 953 — a multiple of 953, only
 * possible for g > 953 — the permutation would not be one; that partial group stays in order.)
 */
export function nexmarkEventId(k: number, events: number, groupSize: number): number {
  const base = Math.floor(k / groupSize) * groupSize;
  const size = Math.min(groupSize, events - base);
  if (gcd(size, PERMUTATION_MULTIPLIER) !== 1) return k;
  // (k − base) < size and 953 are small enough for an exact double product below 2^53 for any sane size.
  return base + (((k - base) * PERMUTATION_MULTIPLIER) % size);
}

/** A 32-bit avalanche (murmur3's fmix32). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of integers (low and high 32 bits of each), a seed for mulberry32. */
function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = fmix32(h ^ (v >>> 0));
    h = fmix32((h + 0x6d2b79f5) ^ (Math.floor(v / 4294967296) >>> 0));
  }
  return h;
}

type Random = () => number;
const nextInt = (random: Random, n: number): number => Math.floor(random() * n);

/** Nexmark's nextString: 3..maxLength−1 chars, each `special` with probability 1/13, trimmed. */
function nextString(random: Random, maxLength: number, special = " "): string {
  let len = MIN_STRING_LENGTH + nextInt(random, maxLength - MIN_STRING_LENGTH);
  let s = "";
  while (len-- > 0) s += nextInt(random, 13) === 0 ? special : String.fromCharCode(97 + nextInt(random, 26));
  return s.trim();
}

/** round(10^(6U)·100): 100 .. 10^8, log-uniform. */
const nextPrice = (random: Random): number => Math.round(Math.pow(10, random() * 6) * 100);

function baseUrl(random: Random): string {
  return `https://www.nexmark.com/${nextString(random, 5, "_")}/${nextString(random, 5, "_")}/${nextString(random, 5, "_")}/item.htm?query=1`;
}

/** Java's Math.abs(Integer.reverse(n)). */
function absReversedBits(n: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) r = (r << 1) | ((n >>> i) & 1);
  return r === -2147483648 ? r : Math.abs(r);
}

// Person / auction ids from the event id (GeneratorConfig / AuctionGenerator / PersonGenerator).
const lastBase0PersonId = (a: number): number => Math.floor(a / TOTAL_PROPORTION) * PERSON_PROPORTION;

function lastBase0AuctionId(a: number): number {
  let epoch = Math.floor(a / TOTAL_PROPORTION);
  let offset = a % TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** A random one of the last 1000 persons, plus 10 not yet created. */
function nextBase0PersonId(a: number, random: Random): number {
  const numPeople = lastBase0PersonId(a) + 1;
  const activePeople = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
  return numPeople - activePeople + nextInt(random, activePeople + PERSON_ID_LEAD);
}

/** A random one of the last 100 auctions, plus 10 not yet created. */
function nextBase0AuctionId(a: number, random: Random): number {
  const maxAuction = lastBase0AuctionId(a);
  const minAuction = Math.max(maxAuction - NUM_IN_FLIGHT_AUCTIONS, 0);
  return minAuction + nextInt(random, maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
}

/** Deterministic Nexmark persons, auctions and bids, each array in its stream's arrival order. */
export function generateNexmark({ seed, events, delayMs = 32, maxJitterMs = 4000 }: NexmarkOptions): NexmarkData {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(events) || events < 0) throw new RangeError(`events must be an integer >= 0, got ${events}`);
  const delayUs = delayUsOf(delayMs);
  const g = outOfOrderGroupSize(delayMs, maxJitterMs);
  const tsOf = (a: number): number => NEXMARK_BASE_TS + Math.floor((a * delayUs) / 1000);

  const hotRandom = seededRandom(hashInts(TAG_HOT_URLS, seed));
  const hotUrls = HOT_CHANNELS.map(() => baseUrl(hotRandom));
  const channelUrls = new Map<number, string>();
  const channelUrl = (i: number): string => {
    let url = channelUrls.get(i);
    if (url === undefined) {
      const random = seededRandom(hashInts(TAG_CHANNEL, seed, i));
      url = baseUrl(random);
      if (nextInt(random, 10) > 0) url += `&channel_id=${absReversedBits(i)}`;
      channelUrls.set(i, url);
    }
    return url;
  };

  const persons: Person[] = [];
  const auctions: Auction[] = [];
  const bids: Bid[] = [];
  for (let k = 0; k < events; k++) {
    const a = nexmarkEventId(k, events, g);
    const ts = tsOf(a);
    const random = seededRandom(hashInts(TAG_EVENT, seed, a));
    const offset = a % TOTAL_PROPORTION;
    if (offset < PERSON_PROPORTION) {
      const name = `${FIRST_NAMES[nextInt(random, FIRST_NAMES.length)]} ${LAST_NAMES[nextInt(random, LAST_NAMES.length)]}`;
      const emailAddress = `${nextString(random, 7)}@${nextString(random, 5)}.com`;
      const creditCard = [0, 1, 2, 3].map(() => String(nextInt(random, 10000)).padStart(4, "0")).join(" ");
      const city = US_CITIES[nextInt(random, US_CITIES.length)];
      const state = US_STATES[nextInt(random, US_STATES.length)];
      persons.push({ id: FIRST_PERSON_ID + lastBase0PersonId(a), name, emailAddress, creditCard, city, state, ts });
    } else if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) {
      const seller =
        FIRST_PERSON_ID +
        (nextInt(random, HOT_SELLERS_RATIO) > 0
          ? Math.floor(lastBase0PersonId(a) / HOT_RATIO_SIZE) * HOT_RATIO_SIZE
          : nextBase0PersonId(a, random));
      const category = FIRST_CATEGORY_ID + nextInt(random, NUM_CATEGORIES);
      const initialBid = nextPrice(random);
      const horizonMs = tsOf(a + NUM_EVENTS_FOR_AUCTIONS) - ts;
      const expires = ts + 1 + nextInt(random, Math.max(horizonMs * 2, 1));
      const itemName = nextString(random, 20);
      const description = nextString(random, 100);
      const reserve = initialBid + nextPrice(random);
      auctions.push({ id: FIRST_AUCTION_ID + lastBase0AuctionId(a), itemName, description, initialBid, reserve, ts, expires, seller, category });
    } else {
      const auction =
        FIRST_AUCTION_ID +
        (nextInt(random, HOT_AUCTION_RATIO) > 0
          ? Math.floor(lastBase0AuctionId(a) / HOT_RATIO_SIZE) * HOT_RATIO_SIZE
          : nextBase0AuctionId(a, random));
      const bidder =
        FIRST_PERSON_ID +
        (nextInt(random, HOT_BIDDERS_RATIO) > 0
          ? Math.floor(lastBase0PersonId(a) / HOT_RATIO_SIZE) * HOT_RATIO_SIZE + 1
          : nextBase0PersonId(a, random));
      const price = nextPrice(random);
      let channel: string;
      let url: string;
      if (nextInt(random, HOT_CHANNELS_RATIO) > 0) {
        const i = nextInt(random, HOT_CHANNELS.length);
        channel = HOT_CHANNELS[i];
        url = hotUrls[i];
      } else {
        const i = nextInt(random, CHANNELS_NUMBER);
        channel = `channel-${i}`;
        url = channelUrl(i);
      }
      bids.push({ auction, bidder, price, channel, url, ts });
    }
  }
  return { persons, auctions, bids };
}

/** The lines of a JSON Lines file of the rows: each row's JSON. */
export function nexmarkLines(rows: object[]): string[] {
  return rows.map((row) => JSON.stringify(row));
}

/** JSON Lines: one JSON object per line, each line ending in a newline ("" for no rows). */
export function nexmarkJsonl(rows: object[]): string {
  return nexmarkLines(rows).map((line) => line + "\n").join("");
}
