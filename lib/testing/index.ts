/**
 * `eddy/testing`: unit tests of users' jobs, in memory, with the engine that runs them deployed.
 * - {@link replay}: a whole job over records, to the end of input (sinks + dead letters).
 * - {@link StageHarness}: one stage fed batch by batch, its state and timers inspected between.
 */
export { replay, type ReplayTestOptions, type ReplayTestResult } from './replay.ts';
export { StageHarness, type StageBatchOutput, type PendingTimer, type FeedOptions } from './stage-harness.ts';
export type { StateEntry } from '../runtime/inspect.ts';
export type { DeadLetter } from '../runtime/dead-letters.ts';
