/** Windows (Flink's window API): assigners, triggers, evictors, window functions. */
export {
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  EventTimeSessionWindows,
  ProcessingTimeSessionWindows,
  GlobalWindows,
  type WindowAssigner,
} from './assigners.ts';
export { EventTimeTrigger, ProcessingTimeTrigger, CountTrigger, ContinuousEventTimeTrigger, PurgingTrigger, NeverTrigger, TriggerResult, type Trigger, type TriggerContext } from './triggers.ts';
export { CountEvictor, TimeEvictor, type Evictor, type TimestampedValue } from './evictors.ts';
export { ProcessWindowFunction, type WindowContext } from './functions.ts';
export { WindowedStream, type WindowOperatorOptions } from './windowed-stream.ts';
export { type TimeWindow, maxTimestamp } from './windows.ts';
