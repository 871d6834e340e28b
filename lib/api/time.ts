/**
 * Durations in milliseconds, named like Flink's `Time` / `Duration` helpers.
 *
 * @example
 * ```ts
 * StateTtlConfig.newBuilder(Time.minutes(3)).build();
 * ```
 */
export const Time = {
  milliseconds: (n: number): number => n,
  seconds: (n: number): number => n * 1000,
  minutes: (n: number): number => n * 60_000,
  hours: (n: number): number => n * 3_600_000,
  days: (n: number): number => n * 86_400_000,
} as const;

/** The watermark that means "no more input": end of input drives every event-time timer. */
export const MAX_WATERMARK = 8_640_000_000_000_000; // the largest JS Date; JSON-safe unlike Infinity
/** The watermark before any input was seen. */
export const MIN_WATERMARK = -MAX_WATERMARK;
