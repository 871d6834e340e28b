/**
 * What a plan allows but a user almost never means: said by `eddy plan`, `replay` and `run`
 * before they start, on stderr.
 */
import { sinkNames, type Plan } from './plan.ts';

/**
 * @example
 * ```ts
 * for (const w of planWarnings(planJob(job.graph))) console.error(`warning: ${w}`);
 * ```
 */
export function planWarnings(plan: Plan): string[] {
  const warnings: string[] = [];
  if (sinkNames(plan).length === 0) warnings.push(`job ${plan.job} has no sink: its results go nowhere (add .sinkTo(...) to a stream)`);
  return warnings;
}
