/** When the time-to-live of a state entry is refreshed (Flink `StateTtlConfig.UpdateType`). */
export enum UpdateType {
  /** Refreshed on create and on every write. */
  OnCreateAndWrite = 'OnCreateAndWrite',
  /** Refreshed on create, on every write and on every read. */
  OnReadAndWrite = 'OnReadAndWrite',
}

/** Whether an expired entry that was not cleaned up yet may be returned (Flink `StateVisibility`). */
export enum StateVisibility {
  /** Expired values are never returned, whether or not they were physically removed. */
  NeverReturnExpired = 'NeverReturnExpired',
  /** An expired value is returned while it still exists in the store. */
  ReturnExpiredIfNotCleanedUp = 'ReturnExpiredIfNotCleanedUp',
}

/**
 * Time-to-live of keyed state, after Flink's `StateTtlConfig`. Time is processing time, as in
 * Flink. Entries carry DynamoDB's native TTL attribute so the table cleans itself; because
 * native deletion can lag by days, reads also filter expired entries themselves.
 * For list and map state the TTL applies to each element / entry separately.
 *
 * @example
 * ```ts
 * const ttl = StateTtlConfig.newBuilder(Time.hours(1))
 *   .setUpdateType(StateTtlConfig.UpdateType.OnReadAndWrite) // or the top-level UpdateType.OnReadAndWrite
 *   .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
 *   .build();
 * const desc = new ValueStateDescriptor<number>('count', { ttl });
 * ```
 */
export class StateTtlConfig {
  /** Flink's spelling, `StateTtlConfig.UpdateType.OnReadAndWrite`: the same enum as the top-level {@link UpdateType}. */
  static readonly UpdateType = UpdateType;
  /** Flink's spelling, `StateTtlConfig.StateVisibility.NeverReturnExpired`: the same enum as the top-level {@link StateVisibility}. */
  static readonly StateVisibility = StateVisibility;

  private constructor(
    readonly ttlMs: number,
    readonly updateType: UpdateType,
    readonly visibility: StateVisibility,
  ) {}

  /** Starts a TTL configuration; defaults are Flink's (OnCreateAndWrite, NeverReturnExpired). */
  static newBuilder(ttlMs: number): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(ttlMs);
  }

  /** @internal used by the builder */
  static create(ttlMs: number, updateType: UpdateType, visibility: StateVisibility): StateTtlConfig {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new Error(`state TTL must be a positive number of ms, got ${ttlMs}`);
    return new StateTtlConfig(ttlMs, updateType, visibility);
  }
}

/** Builder returned by {@link StateTtlConfig.newBuilder}. */
export class StateTtlConfigBuilder {
  private updateType = UpdateType.OnCreateAndWrite;
  private visibility = StateVisibility.NeverReturnExpired;
  constructor(private readonly ttlMs: number) {}

  setUpdateType(updateType: UpdateType): this {
    this.updateType = updateType;
    return this;
  }

  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType(UpdateType.OnReadAndWrite);
  }

  setStateVisibility(visibility: StateVisibility): this {
    this.visibility = visibility;
    return this;
  }

  neverReturnExpired(): this {
    return this.setStateVisibility(StateVisibility.NeverReturnExpired);
  }

  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp);
  }

  build(): StateTtlConfig {
    return StateTtlConfig.create(this.ttlMs, this.updateType, this.visibility);
  }
}
