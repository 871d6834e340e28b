/**
 * Steady-rate inputs of the stateful scenario jobs, by job name: what `eddy cost --steady`
 * and the processing-cost bench (bench/cost-flink.ts) feed. They live in lib/ because the CLI
 * uses them: a steady input carries each record's arrival time, which a JSON Lines file given
 * to `--input` cannot (a bootstrap arriving at once, then a steady stream).
 */
import { dimEnrichInput } from './dim-enrich.ts';
import type { SteadyInput, SteadyOptions } from './feed.ts';
import { orderJoinInput, orderTimeoutInput } from './orders.ts';
import { purchasesInput } from './purchases.ts';
import { antiCrawlerInput } from './requests.ts';

export type { SteadyInput, SteadyOptions } from './feed.ts';

/** The generator of each stateful scenario job. */
export const STEADY_INPUTS: Record<string, (o: SteadyOptions) => SteadyInput> = {
  'order-timeout': orderTimeoutInput,
  'order-join': orderJoinInput,
  'hot-items': purchasesInput,
  'hourly-uv': purchasesInput,
  'uv-sliding': purchasesInput,
  'anti-crawler': antiCrawlerInput,
  'dim-enrich': dimEnrichInput,
};

/**
 * A steady-rate input for `job`.
 *
 * @example
 * ```ts
 * const input = steadyInput('order-timeout', { events: 20_000, rate: 10, seed: 1 });
 * await runCost(job, input.lines, { rate: 10, arrivalsMs: input.arrivalsMs, startMs: input.startMs });
 * ```
 */
export function steadyInput(job: string, o: SteadyOptions): SteadyInput {
  const make = STEADY_INPUTS[job];
  if (!make) throw new Error(`no steady-rate generator for ${job} (there are: ${Object.keys(STEADY_INPUTS).join(', ')})`);
  if (!Number.isSafeInteger(o.events) || o.events < 1) throw new Error(`a steady input needs a positive whole number of events, got ${o.events}`);
  if (!(o.rate > 0) || !Number.isFinite(o.rate)) throw new Error(`a steady input needs a finite positive rate, got ${o.rate}`);
  return make(o);
}
