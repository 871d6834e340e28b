/**
 * Seeded Zipf key generator for the benchmarks: rank r in 1..n is drawn with probability
 * proportional to 1 / r^s (`zipfRanks`, lib/cost/steady/random.ts) on a mulberry32 stream.
 * Same seed, same n and s: the same sequence on every platform.
 */

import { zipfRanks } from '../lib/cost/steady/random.ts';
import { seededRandom } from '../lib/runtime/seeded-random.ts';

export interface ZipfOptions {
  /** Distinct keys (ranks 1..n). */
  n: number;
  /** Exponent; 1.1 is the usual "skewed but not degenerate" choice. */
  s: number;
  /** 32-bit seed. */
  seed: number;
}

/** A sampler of ranks 1..n (1 = the hottest key), on its own seeded stream. */
export function zipfSampler({ n, s, seed }: ZipfOptions): () => number {
  return zipfRanks(n, s, seededRandom(seed));
}

export interface KeyedEvent {
  key: string;
  ts: number;
}

/** Key name of a rank: fixed width, so every key item has the same size. */
export function keyOfRank(rank: number): string {
  return `k-${String(rank).padStart(6, '0')}`;
}

/**
 * `count` events with Zipf-distributed keys and strictly increasing event time
 * (`startTs + i * stepMs`), in arrival order.
 */
export function zipfEvents(count: number, options: ZipfOptions & { startTs?: number; stepMs?: number }): KeyedEvent[] {
  const next = zipfSampler(options);
  const startTs = options.startTs ?? 1_700_000_000_000;
  const stepMs = options.stepMs ?? 10;
  const out: KeyedEvent[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = { key: keyOfRank(next()), ts: startTs + i * stepMs };
  return out;
}
