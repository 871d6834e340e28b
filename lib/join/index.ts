/** Joins (Flink's DataStream joins): interval join, window join, window coGroup. */
export { IntervalJoin, IntervalJoined, type IntervalJoinOptions } from './interval-join.ts';
export { ProcessJoinFunction, type ProcessJoinContext } from './process-join-function.ts';
export {
  JoinedStreams,
  CoGroupedStreams,
  JoinWithWindow,
  CoGroupWithWindow,
  type JoinFunction,
  type CoGroupFunction,
  type TaggedUnion,
  type WindowJoinOptions,
} from './window-join.ts';
