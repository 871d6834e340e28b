/**
 * Per-stage deployment settings, set where a stage begins: on its source, or on the keyed
 * operator that starts it (`process`, a window's `reduce` / `aggregate` / `process`, a join's
 * `process` / `apply`), as Flink sets per-operator settings on the operator.
 */

/**
 * Settings of one stage that override the job's options.
 *
 * @example
 * ```ts
 * job.fromSource(KinesisSource.json('clicks', { batchingWindowSeconds: 5 }), strategy)
 *   .keyBy((c) => c.userId)
 *   .process(new CountClicks(), { uid: 'count-clicks', batchingWindowSeconds: 30 });
 * ```
 */
export interface StageOptions {
  /**
   * How long Lambda may wait to fill a batch for this stage before invoking it (its
   * `MaximumBatchingWindowInSeconds`, an integer from 0 to 300; default: the job's
   * `maximumBatchingWindowInSeconds`, 0). A batch goes out when it is full or when the window
   * has passed: a longer window means fewer, fuller batches (fewer invocations, checkpoint
   * writes and state writes per event) and up to that much more latency on this stage.
   * Flink's nearest setting is `setBufferTimeout`.
   */
  batchingWindowSeconds?: number;
}

/**
 * Options of a keyed `process` (a stage of its own).
 *
 * @example
 * ```ts
 * keyed.process(new OrderTimeout(), { uid: 'order-timeout', batchingWindowSeconds: 10 });
 * ```
 */
export interface KeyedProcessOptions extends StageOptions {
  /** Names the operator's stage and state (default `process-<n>` / `co-process-<n>`); keep it stable across job versions. */
  uid?: string;
}
