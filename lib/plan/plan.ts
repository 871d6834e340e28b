/**
 * The plan: a job cut into stages at every repartitioning edge. It is plain data, printed by
 * `eddy plan`, and the one source from which streams, tables, functions and schedules derive.
 */
import type { JobOptions, StateBackendKind } from './graph.ts';
import type { StreamCapacityMode } from './stream-mode.ts';

/** Where a stage sends what its operator chain emits. */
export type PlanOutput =
  /**
   * `input` 2: the records enter the target's second input (connect, broadcast). `route`:
   * by key when absent; `forward`, each shard of this stage feeds one shard of the target
   * (a main stream connected with a broadcast stream is not re-keyed); `broadcast`, every shard.
   */
  | { kind: 'stage'; viaNode: number; stage: string; stream: string; input?: 2; route?: 'forward' | 'broadcast' }
  | { kind: 'sink'; viaNode: number; sink: string; sinkKind: 'kinesis' | 'dynamodb' | 'print'; target: string };

export interface PlanStage {
  /** `source-<name>` for a source stage, the operator uid for a keyed stage. */
  id: string;
  kind: 'source' | 'keyed';
  /** The Kinesis stream this stage's Lambda reads. */
  input: { stream: string; shards: number; source?: string };
  /** Graph node that receives the stage's records (a source or a process node). */
  entryNode: number;
  /** Graph nodes chained into this stage, entry first. */
  nodes: number[];
  outputs: PlanOutput[];
  /** Stages that write into this stage's input stream. */
  upstream: string[];
  /** True when the stage keeps keyed state and timers (and so has a sweep). */
  stateful: boolean;
  /** Keyed stages: where state and timers live (JobOptions.stateBackend, or the operator's own). */
  stateBackend?: StateBackendKind;
  batchSize: number;
  /** The rest of Lambda's Kinesis event source mapping for `input` (defaults in JobOptions; docs/operations.md). */
  eventSource: EventSourceSettings;
}

export interface EventSourceSettings {
  /** The stage's own `batchingWindowSeconds` if it has one, else the job's. */
  maximumBatchingWindowInSeconds: number;
  /**
   * Always 1: one invocation per shard at a time. A shard's records are processed serially
   * in sequence order and each commit is fenced by the shard's checkpoint version; with more
   * concurrent batches per shard, they would conflict on that checkpoint and keys would lose their order.
   */
  parallelizationFactor: 1;
  bisectBatchOnFunctionError: boolean;
  /** -1 = retry until the batch succeeds. */
  maximumRetryAttempts: number;
  /** -1 = never skip a record for its age. */
  maximumRecordAgeInSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
}

export interface Plan {
  job: string;
  options: Required<JobOptions>;
  stages: PlanStage[];
  streams: PlanStream[];
  tables: { name: string; role: 'state' | 'dead-letter' | 'sink'; of: string }[];
  /** Sweep function: fires due timers of shards that get no data. */
  sweep: { stages: string[]; schedule: string } | undefined;
}

/**
 * A Kinesis stream of the plan.
 *
 * @example
 * ```ts
 * planJob(job.graph).streams.filter((s) => s.role === 'internal').map((s) => `${s.name}: ${s.mode}`); // ['order-timeout-order-timeout: provisioned']
 * ```
 */
export interface PlanStream {
  name: string;
  /**
   * Shards the stream is created with: locally always, on AWS in provisioned mode. An
   * on-demand stream starts at 4 shards on AWS and is resized by Kinesis.
   */
  shards: number;
  role: 'source' | 'internal' | 'sink';
  /** The stage that reads it (source, internal) or the sink that writes it. */
  of: string;
  /**
   * Capacity mode on AWS: internal streams by the job's `internalStreamMode`; source and sink
   * streams, which belong to the user, are created provisioned with their shards.
   */
  mode: StreamCapacityMode;
}

/** Physical names derived from the job name; a deployment may prepend a prefix at run time. */
export const resourceNames = {
  sourceStream: (job: string, source: string) => `${job}-source-${source}`,
  stageStream: (job: string, stage: string) => `${job}-${stage}`,
  sinkTarget: (job: string, sink: string) => `${job}-sink-${sink}`,
  stateTable: (job: string) => `${job}-state`,
  deadLetterTable: (job: string) => `${job}-dead-letter`,
};

/** The stage a node id belongs to, or undefined. */
export function stageOfNode(plan: Plan, nodeId: number): PlanStage | undefined {
  return plan.stages.find((s) => s.nodes.includes(nodeId));
}

/** The names of the job's sinks, in plan order. @example `sinkNames(planJob(job.graph)) // ['paid', 'timeouts', 'late-payments']` */
export function sinkNames(plan: Plan): string[] {
  return plan.stages.flatMap((s) => s.outputs).flatMap((o) => (o.kind === 'sink' ? [o.sink] : []));
}

export function stageById(plan: Plan, id: string): PlanStage {
  const stage = plan.stages.find((s) => s.id === id);
  if (!stage) throw new Error(`job ${plan.job} has no stage "${id}" (stages: ${plan.stages.map((s) => s.id).join(', ')})`);
  return stage;
}

/** The id of the stage that reads source `name` (`source-<name>`). @example `sourceStageId('orders') // 'source-orders'` */
export function sourceStageId(name: string): string {
  return `source-${name}`;
}

/** The name a stage's Lambda handler is exported under in `functions/<job>/handler.ts` (camelCase of the stage id). */
export function handlerName(stageId: string): string {
  return stageId.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}
