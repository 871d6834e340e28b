/**
 * Seeded draws for the steady-rate generators (and the benches): Zipf-distributed ranks and
 * exponential delays, on a uniform source such as `seededRandom` (mulberry32), so that the
 * same seed gives the same sequence on every platform.
 */

/**
 * A sampler of ranks 1..n, rank r drawn with probability proportional to 1 / r^s (1 = the most
 * popular), by inverse CDF: a binary search over the cumulative weights.
 *
 * @example
 * ```ts
 * const rank = zipfRanks(10_000, 1.1, seededRandom(7));
 * rank(); // 1 about 10 % of the time
 * ```
 */
export function zipfRanks(n: number, s: number, random: () => number): () => number {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`zipf: n must be a positive integer, got ${n}`);
  if (!(s > 0)) throw new Error(`zipf: s must be > 0, got ${s}`);
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 1; r <= n; r++) cdf[r - 1] = total += 1 / r ** s;
  for (let i = 0; i < n; i++) cdf[i] /= total;
  cdf[n - 1] = 1;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  };
}

/**
 * An exponentially distributed draw of mean `mean` (the gap between events of a Poisson process).
 *
 * @example
 * ```ts
 * exponential(seededRandom(1), 50_000); // a payment delay, 50 s on average
 * ```
 */
export function exponential(random: () => number, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/**
 * A uniform integer in [lo, hi].
 *
 * @example
 * ```ts
 * uniformInt(seededRandom(1), 1, 6); // a die
 * ```
 */
export function uniformInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}
