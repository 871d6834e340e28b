/** The public API of eddy: everything a job module imports. */
export { Job } from './job.ts';
export { DataStream, KeyedStream, ProcessedStream, ConnectedStreams, ConnectedKeyedStreams } from './stream.ts';
export { WatermarkStrategy, NO_TIMESTAMP, type TimestampAssigner } from './watermark.ts';
export { OutputTag } from './output-tag.ts';
export { Time, MAX_WATERMARK, MIN_WATERMARK } from './time.ts';
export { StateTtlConfig, UpdateType, StateVisibility } from './state-ttl.ts';
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  type AggregateFunction,
  type ReduceFunction,
} from './state-descriptors.ts';
export type { ValueState, ListState, MapState, ReducingState, AggregatingState } from './state.ts';
export {
  KeyedProcessFunction,
  KeyedCoProcessFunction,
  ProcessFunction,
  CoProcessFunction,
  TimeDomain,
  type ProcessContext,
  type Collector,
  type KeyedContext,
  type OnTimerContext,
  type RuntimeContext,
  type TimerService,
} from './functions.ts';
export {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  type BroadcastContext,
  type BroadcastState,
  type KeyedBroadcastContext,
  type KeyedReadOnlyBroadcastContext,
  type ReadOnlyBroadcastContext,
  type ReadOnlyBroadcastState,
} from './broadcast.ts';
export { BroadcastStream, BroadcastConnectedStream, type BroadcastProcessOptions } from './broadcast-stream.ts';
export { RollingReduce, fieldAggregate, byAggregate, type NumericField } from './rolling.ts';
export type { StageOptions, KeyedProcessOptions } from './stage-options.ts';
export type { JobOptions, StateBackendKind } from '../plan/graph.ts';
export { KinesisSource, type WithRaw } from '../connectors/kinesis-source.ts';
export type { MaxwellRecord, DebeziumRecord } from '../connectors/change-records.ts';
export { KinesisSink, DynamoDbSink } from '../connectors/sinks.ts';
export * from '../window/index.ts';
export * from '../join/index.ts';
