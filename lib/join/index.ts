/** Joins (Flink's DataStream joins): interval join. */
export { IntervalJoin, IntervalJoined, type IntervalJoinOptions } from './interval-join.ts';
export { ProcessJoinFunction, type ProcessJoinContext } from './process-join-function.ts';
