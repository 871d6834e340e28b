/**
 * The logical job graph that the fluent API builds and the planner cuts into stages.
 * Nodes refer to their input by id; the graph is append-only while a job is defined.
 */
import type { AnyBroadcastFunction } from '../api/broadcast.ts';
import type { CoProcessFunction, KeyedCoProcessFunction, KeyedProcessFunction, ProcessFunction } from '../api/functions.ts';
import type { OutputTag } from '../api/output-tag.ts';
import type { MapStateDescriptor } from '../api/state-descriptors.ts';
import type { WatermarkStrategy } from '../api/watermark.ts';
import type { SinkSpec } from '../connectors/sink-spec.ts';
import type { SourceSpec } from '../connectors/source-spec.ts';
import type { InternalStreamModeOption } from './stream-mode.ts';

export type KeySelector<T> = (value: T) => string | number;

export type GraphNode =
  | { id: number; kind: 'source'; source: SourceSpec<any>; watermarks: WatermarkStrategy<any> }
  | { id: number; kind: 'map'; input: number; fn: (value: any) => any }
  | { id: number; kind: 'filter'; input: number; fn: (value: any) => boolean }
  | { id: number; kind: 'flatMap'; input: number; fn: (value: any) => Iterable<any> }
  | { id: number; kind: 'keyBy'; input: number; key: KeySelector<any> }
  /**
   * A keyed stage's entry; with `other`, a second input: a keyed one (connect, co-process
   * function) or a broadcast one (broadcast function; `bootstrap` tells the broadcast element
   * that completes the table the main input waits for).
   */
  | {
      id: number; kind: 'process'; input: number; other?: number; uid: string; parallelism?: number; stateBackend?: StateBackendKind;
      /** This stage's batching window, overriding the job's `maximumBatchingWindowInSeconds`. */
      batchingWindowSeconds?: number;
      fn: KeyedProcessFunction<any, any, any> | KeyedCoProcessFunction<any, any, any, any> | AnyBroadcastFunction;
      bootstrap?: (value: any) => boolean;
    }
  /** Sends every element to every shard of the next stage, which keeps `descriptors` as broadcast state. */
  | { id: number; kind: 'broadcast'; input: number; descriptors: readonly MapStateDescriptor<any, any>[] }
  /** Sends a stream that is not keyed to the next stage without re-keying: each upstream shard feeds one shard, in order. */
  | { id: number; kind: 'forward'; input: number }
  /** A ProcessFunction on a stream that is not keyed: chained into the stage before it. */
  | { id: number; kind: 'processFn'; input: number; fn: ProcessFunction<any, any>; uid: string }
  /** A CoProcessFunction on two streams that are not keyed: chained into each input's own stage. */
  | { id: number; kind: 'coProcessFn'; input: number; other: number; fn: CoProcessFunction<any, any, any>; uid: string }
  | { id: number; kind: 'sideOutput'; input: number; tag: OutputTag<any> }
  /** Merges streams of one type (Flink `union`): `input` and every one of `others`. */
  | { id: number; kind: 'union'; input: number; others: number[] }
  | { id: number; kind: 'sink'; input: number; sink: SinkSpec<any> };

export type GraphNodeKind = GraphNode['kind'];

/** Distributes `Omit` over the union so each node kind keeps its own fields. */
export type NewGraphNode = GraphNode extends infer N ? (N extends GraphNode ? Omit<N, 'id'> : never) : never;

/** Options of a job that apply to all its stages unless a stage overrides them. */
export interface JobOptions {
  /**
   * Shards of each internal stream, i.e. parallelism of each keyed stage (default: the fewest
   * that carry `plannedEventsPerSecond`, one per 2,000 events/s: 1 at the default rate).
   */
  parallelism?: number;
  /** Number of key groups (Flink's max parallelism): the unit by which timers are found by hash range (default 128). */
  maxParallelism?: number;
  /** DynamoDB partitions per stage over which timers are spread (default 4). */
  timerPartitions?: number;
  /**
   * Records per Lambda invocation, at most (default 1,000: a Kinesis shard takes at most 1,000
   * records a second and Lambda polls it about once a second, so a steady shard's second is one
   * invocation, one checkpoint and one log entry instead of ten; a batch is no later for it —
   * one goes out as soon as a poll finds records).
   */
  batchSize?: number;
  /**
   * When every source has seen no record for its `withIdleness` time, the sweep advances the
   * watermark by processing time (watermark = now - idleness - out-of-orderness), so event-time
   * timers and windows close on a stream that went quiet (default false).
   */
  idleWatermarkAdvance?: boolean;
  /**
   * How often a user function that throws on a record is retried (its effects undone each
   * time) before the record goes to the dead-letter table (default 2).
   */
  functionRetries?: number;
  /**
   * Lambda waits up to this long to fill a batch before it invokes a stage (0-300, default 0:
   * invoke as soon as records are there). Larger windows mean fuller batches, fewer
   * invocations and commits, and more latency. A stage may override it with its own
   * `batchingWindowSeconds` (an option of its source or its keyed operator).
   */
  maximumBatchingWindowInSeconds?: number;
  /**
   * Lambda splits a batch in two and retries each half when the stage fails (default false).
   * The stage dead-letters bad records itself and reports the rest with `batchItemFailures`,
   * so halving only shrinks the batches that follow an outage.
   */
  bisectBatchOnFunctionError?: boolean;
  /**
   * How often Lambda retries a batch the stage reports as failed before it skips it (-1 =
   * until it succeeds, the default; up to 10000). A skipped record is lost to the job: the
   * stage never sees it and its checkpoint moves past it. Only set it if losing records is acceptable.
   */
  maximumRetryAttempts?: number;
  /** Lambda skips records older than this (-1 = never, the default; else 60-604800 s). Skipped records are lost, as above. */
  maximumRecordAgeInSeconds?: number;
  /**
   * Where a new event source mapping of a *source* stage starts: TRIM_HORIZON (default: the
   * oldest record the stream keeps) or LATEST (only what arrives after the deployment).
   * Internal streams always start at TRIM_HORIZON, else records written before the mapping
   * existed would be lost.
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** DynamoDB point-in-time recovery on the job's tables (state, dead letters, sinks; default false). */
  pointInTimeRecovery?: boolean;
  /**
   * Where keyed stages keep state and timers (Flink's heap vs RocksDB choice), unless an
   * operator says otherwise (`setStateBackend`): `log` (default), each shard's state in the
   * Lambda container's memory with a changelog and snapshots in DynamoDB — state costs what
   * it changes in bytes; `items`, one DynamoDB item per key and state (and per timer) — for
   * state too large for a container's memory. docs/operations.md, "Choosing a state backend".
   */
  stateBackend?: StateBackendKind;
  /**
   * Log-structured state: when a shard writes a snapshot instead of letting its changelog grow,
   * and how long log and snapshot items are kept (lib/runtime/log-commit.ts; the defaults are
   * explained in docs/design-decisions.md, "Log-structured state").
   */
  changelog?: Partial<ChangelogOptions>;
  /**
   * What the stage handlers publish to CloudWatch (lib/runtime/metrics.ts): `basic` (default)
   * the five metrics Lambda's own do not cover — data records in, records out, dead letters,
   * watermark lag, failed batches; `detailed` thirteen (state reads and writes, timers fired,
   * late records, ...); `none`. Each metric name is a custom metric billed $0.30 a month per stage.
   */
  metrics?: MetricsLevel;
  /**
   * Capacity mode of the internal streams (the keyed stages' inputs): `provisioned` (the
   * planned shards, per shard-hour), `on-demand` (per stream-hour and GB; AWS sizes the stream),
   * or `auto` (the default): the cheaper at `plannedEventsPerSecond` (lib/plan/stream-mode.ts).
   * Source and sink streams are the user's and keep their shard count.
   */
  internalStreamMode?: InternalStreamModeOption;
  /**
   * The rate, in events per second, each internal stream is planned for: what `auto` compares
   * the modes at, and what the default parallelism is sized for (default 100).
   */
  plannedEventsPerSecond?: number;
}

/** When a log-structured shard materializes (writes a snapshot) and how long its stored items live. */
export interface ChangelogOptions {
  /** The log since the last snapshot may reach this many packed bytes before a snapshot is due (default 256 KB)… */
  minLogBytes: number;
  /** …or this many times the last snapshot's size, whichever is larger (default 4): a restore reads at most about (1 + ratio) snapshots' worth. */
  logToSnapshotRatio: number;
  /** A snapshot is due when the oldest item the checkpoint names is this old, wall clock (default 1 day): TTL must never reach it. */
  maxAgeMs: number;
  /** Log entries and snapshot parts expire (DynamoDB native TTL) this long after they are written (default 7 days). */
  retentionMs: number;
}

export const DEFAULT_CHANGELOG_OPTIONS: ChangelogOptions = {
  minLogBytes: 256 * 1024,
  logToSnapshotRatio: 4,
  maxAgeMs: 86_400_000,
  retentionMs: 7 * 86_400_000,
};

/** How much the stage handlers publish as CloudWatch metrics. */
export type MetricsLevel = 'none' | 'basic' | 'detailed';

/** The two ways to keep keyed state in DynamoDB (DESIGN §3). */
export type StateBackendKind = 'log' | 'items';

export const DEFAULT_JOB_OPTIONS: Required<JobOptions> = {
  parallelism: 1,
  maxParallelism: 128,
  timerPartitions: 4,
  batchSize: 1000,
  idleWatermarkAdvance: false,
  functionRetries: 2,
  maximumBatchingWindowInSeconds: 0,
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  startingPosition: 'TRIM_HORIZON',
  pointInTimeRecovery: false,
  stateBackend: 'log',
  changelog: {},
  metrics: 'basic',
  internalStreamMode: 'auto',
  plannedEventsPerSecond: 100,
};

/** The graph of one job: its nodes in definition order and its options. */
export class JobGraph {
  readonly nodes: GraphNode[] = [];
  /** Display names of operators (Flink `name`), by node id: what `eddy plan` prints beside them. */
  readonly names = new Map<number, string>();
  constructor(readonly name: string, readonly options: Required<JobOptions>) {}

  add(node: NewGraphNode): number {
    if (node.kind === 'process') checkBatchingWindow(node.batchingWindowSeconds, `operator ${node.uid}`);
    if (node.kind === 'source') checkBatchingWindow(node.source.batchingWindowSeconds, `source ${node.source.name}`);
    const id = this.nodes.length;
    this.nodes.push({ ...node, id } as GraphNode);
    return id;
  }

  node(id: number): GraphNode {
    const node = this.nodes[id];
    if (!node) throw new Error(`job ${this.name}: no node ${id}`);
    return node;
  }

  /** Nodes that read from `id`, in definition order. */
  consumers(id: number): GraphNode[] {
    return this.nodes.filter((n) => n.kind !== 'source' && (n.input === id || (n.kind === 'union' && n.others.includes(id)) || ((n.kind === 'process' || n.kind === 'coProcessFn') && n.other === id)));
  }
}

/** Lambda's largest `MaximumBatchingWindowInSeconds`. @example `keyed.process(fn, { batchingWindowSeconds: MAX_BATCHING_WINDOW_SECONDS })` */
export const MAX_BATCHING_WINDOW_SECONDS = 300;
/** Lambda's largest `BatchSize` for a Kinesis event source mapping. */
export const MAX_BATCH_SIZE = 10_000;

/** A stage's own window is refused where it is set; the job-wide one where the job deploys (serverless.ts). */
function checkBatchingWindow(seconds: number | undefined, what: string): void {
  if (seconds === undefined) return;
  if (!(Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_BATCHING_WINDOW_SECONDS)) {
    throw new Error(`${what}: batchingWindowSeconds must be an integer from 0 to ${MAX_BATCHING_WINDOW_SECONDS} (Lambda's MaximumBatchingWindowInSeconds), got ${seconds}`);
  }
}
