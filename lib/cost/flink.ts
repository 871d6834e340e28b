/**
 * The competitor: Managed Service for Apache Flink's smallest application, which costs the
 * same per hour whatever the rate (up to 10⁴–10⁵ events/s on one KPU, /work/shared/COST.md), set
 * against eddy's processing cost, which has a fixed part per hour and a part per event.
 */
import { PRICES, type Prices } from './model.ts';

/**
 * $ per hour of the smallest Managed Flink application: its KPUs (one for the application,
 * one for orchestration) and the running storage that comes with the application KPU.
 *
 * @example
 * ```ts
 * flinkPerHour(); // 2 × 0.11 + 50 × 0.10 / 730 ≈ 0.2268
 * ```
 */
export function flinkPerHour(prices: Prices = PRICES): number {
  const applicationKpus = prices.flinkSmallestApplicationKpus - 1; // the orchestration KPU has no running storage
  return prices.flinkSmallestApplicationKpus * prices.flinkKpuHour + (applicationKpus * prices.flinkRunningStorageGbPerKpu * prices.flinkRunningStorageGbMonth) / prices.hoursPerMonth;
}

export interface FlinkComparison {
  /** Managed Flink's smallest application, $ per hour. */
  flinkPerHour: number;
  /** eddy's processing cost per hour at the run's rate, and its ratio to Flink's. */
  eddyPerHour: number;
  ratio: number;
  /**
   * Events per second at which eddy's processing cost per hour equals Flink's: eddy is cheaper
   * below it. Undefined when eddy's fixed cost alone reaches Flink's (never cheaper) or it
   * costs nothing per event (always cheaper). Assumes every event costs what one did in this
   * run, whose batch shapes are those of its own rate.
   */
  crossoverRate: number | undefined;
}

/**
 * eddy's processing cost, `fixedPerHour` + `variablePerEvent` × events, against Flink's at `rate` events/s.
 *
 * @example
 * ```ts
 * compareWithFlink({ rate: 100, fixedPerHour: 0.05, variablePerEvent: 1e-7 });
 * // eddyPerHour 0.05 + 0.036 = 0.086, ratio 0.38, crossoverRate (0.2268 − 0.05) / (1e-7 × 3600) ≈ 491
 * ```
 */
export function compareWithFlink(c: { rate: number; fixedPerHour: number; variablePerEvent: number }, prices: Prices = PRICES): FlinkComparison {
  const flink = flinkPerHour(prices);
  const eddyPerHour = c.fixedPerHour + c.variablePerEvent * c.rate * 3600;
  const crossoverRate = c.fixedPerHour >= flink || c.variablePerEvent <= 0 ? undefined : (flink - c.fixedPerHour) / (c.variablePerEvent * 3600);
  return { flinkPerHour: flink, eddyPerHour, ratio: eddyPerHour / flink, crossoverRate };
}
