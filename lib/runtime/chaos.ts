/**
 * Chaos: crashes at chosen points of the batch lifecycle, so that tests (and `--chaos` runs)
 * prove that a retry after a crash anywhere sees the state exactly as before or exactly as
 * after the batch. A crash is a thrown {@link ChaosCrash}; the handler treats it as the death
 * of its container (the task is dropped) and Lambda's retry follows.
 */

/** Where a batch can be made to crash. */
export type FaultPoint = 'before-emit' | 'mid-emit' | 'after-emit' | 'mid-commit' | 'after-commit';

import { seededRandom } from './seeded-random.ts';

export type FaultInjector = (point: FaultPoint) => void;

export class ChaosCrash extends Error {
  constructor(readonly point: FaultPoint) {
    super(`chaos: crashed ${point}`);
    this.name = 'ChaosCrash';
  }
}


/**
 * Crashes each fault point with probability `probability`, deterministically from `seed`;
 * `duplicate()` says whether the runner should deliver a batch twice.
 *
 * @example
 * ```ts
 * const chaos = createChaos({ probability: 0.2, seed: 7 });
 * services.faults = chaos.inject;
 * ```
 */
export function createChaos(options: { probability: number; seed: number }) {
  if (!(options.probability >= 0 && options.probability < 1)) throw new Error(`--chaos takes a probability in [0, 1), got ${options.probability}`);
  const random = seededRandom(options.seed);
  const counts: Partial<Record<FaultPoint | 'duplicate', number>> = {};
  const hit = (what: FaultPoint | 'duplicate') => {
    // Each point has the probability per batch, spread so that a batch crashes with about `probability` in all.
    const yes = random() < options.probability / 3;
    if (yes) counts[what] = (counts[what] ?? 0) + 1;
    return yes;
  };
  return {
    counts,
    inject: ((point) => {
      if (hit(point)) throw new ChaosCrash(point);
    }) as FaultInjector,
    duplicate: () => hit('duplicate'),
  };
}
