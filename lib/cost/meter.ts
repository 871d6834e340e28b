/**
 * Counting what a run would be billed for, by wrapping the services a stage runs on: the
 * store (metered-store.ts), the stream client (records, bytes and billing units put, per
 * stream) and the sink writer (Kinesis sink records; DynamoDB sink items). Work is
 * attributed to whoever runs it — a stage's invocation, the sweep, or the replay around them —
 * through an AsyncLocalStorage scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job } from '../api/job.ts';
import type { SinkSpec } from '../connectors/sink-spec.ts';
import { groupBySink, printLine, type SinkWriter } from '../connectors/sink-writer.ts';
import { kinesisSinkRecord } from '../connectors/sinks.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { isSourceEnd } from '../runtime/envelope.ts';
import type { SinkRecordOut } from '../runtime/outputs.ts';
import type { PutEntry, PutResult, ShardInfo, StreamClient } from '../runtime/stream-client.ts';
import { itemSize } from './item-size.ts';
import { billedLambdaMs, kinesisRecordBytes, onDemandBilledKb, putPayloadUnits, writeUnits } from './units.ts';

/** Work done outside any stage invocation or sweep: the replay's feeding and polling (not billed). */
export const OUTSIDE = '(replay)';

export interface PutCounts {
  requests: number;
  records: number;
  bytes: number;
  /** On-demand: each record rounded up to 1 KB. */
  billedKb: number;
  /** Provisioned: 25 KB units per record. */
  payloadUnits: number;
}

export interface ActorCounts {
  /** Lambda invocations (one per batch) and their measured and billed handler time. */
  invocations: number;
  measuredMs: number;
  billedMs: number;
  /** Kinesis records delivered to the invocations, their bytes and on-demand billed KB. */
  recordsRead: number;
  bytesRead: number;
  readBilledKb: number;
  /** Data records (events) the stage processed: `BatchResult.dataIn`. */
  events: number;
  dynamo: { requests: number; readUnits: number; writeUnits: number; byKind: Record<string, { readUnits: number; writeUnits: number }> };
  /** PutRecords calls into source and internal streams (each one a round trip the invocation waits for). */
  streamPutRequests: number;
  /** Records put to Kinesis sinks. */
  sinkPuts: PutCounts;
  /** Write units of DynamoDB sinks (BatchWriteItem). */
  sinkWriteUnits: number;
  /** Bytes of the lines print sinks wrote to the function's log (CloudWatch Logs ingestion). */
  printedBytes: number;
  /** EMF documents the actor's handlers published (a container's first batch, then at most one a minute, trouble at once: lib/runtime/metrics.ts). */
  metricDocuments: number;
  /** What the metrics published only on occurrence counted (lib/runtime/metrics.ts ON_OCCURRENCE): dead letters, late records, batches asked for again. */
  occurrences: { DeadLetters: number; LateRecords: number; BatchFailures: number };
}

export interface MeterCounts {
  /** Puts per stream (source and internal streams); replay's end-of-input markers left out. */
  streams: Record<string, PutCounts>;
  actors: Record<string, ActorCounts>;
}

/** What the Node.js Lambda runtime puts around a console.log line: `<ISO time>\t<request id>\tINFO\t…\n`. */
const LAMBDA_LOG_LINE_PREFIX_BYTES = 24 + 1 + 36 + 1 + 4 + 1 + 1;

const emptyPuts = (): PutCounts => ({ requests: 0, records: 0, bytes: 0, billedKb: 0, payloadUnits: 0 });
/** Counts of an actor that did nothing. @example `emptyActor().invocations // 0` */
export const emptyActor = (): ActorCounts => ({
  invocations: 0, measuredMs: 0, billedMs: 0, recordsRead: 0, bytesRead: 0, readBilledKb: 0, events: 0,
  dynamo: { requests: 0, readUnits: 0, writeUnits: 0, byKind: {} }, streamPutRequests: 0, sinkPuts: emptyPuts(), sinkWriteUnits: 0, printedBytes: 0, metricDocuments: 0,
  occurrences: { DeadLetters: 0, LateRecords: 0, BatchFailures: 0 },
});

function addRecord(c: PutCounts, bytes: number): void {
  c.records += 1;
  c.bytes += bytes;
  c.billedKb += onDemandBilledKb(bytes);
  c.payloadUnits += putPayloadUnits(bytes);
}

/**
 * The counters, and the scope that says whose work a call is.
 *
 * @example
 * ```ts
 * const meter = new CostMeter();
 * await meter.run('source-orders', () => handler(event)); // store and stream calls inside count for source-orders
 * meter.counts().actors['source-orders'].dynamo.writeUnits;
 * ```
 */
export class CostMeter {
  private readonly scope = new AsyncLocalStorage<string>();
  private readonly actors = new Map<string, ActorCounts>();
  private readonly streams = new Map<string, PutCounts>();

  run<T>(actor: string, fn: () => Promise<T>): Promise<T> {
    return this.scope.run(actor, fn);
  }

  actorName(): string {
    return this.scope.getStore() ?? OUTSIDE;
  }

  actor(name = this.actorName()): ActorCounts {
    let c = this.actors.get(name);
    if (!c) this.actors.set(name, (c = emptyActor()));
    return c;
  }

  stream(name: string): PutCounts {
    let c = this.streams.get(name);
    if (!c) this.streams.set(name, (c = emptyPuts()));
    return c;
  }

  /** One invocation of `actor` over `records`, whose handler took `measuredMs` (billed rounded up to 1 ms). */
  invocation(actor: string, records: { data: Uint8Array; partitionKey: string }[], measuredMs: number): void {
    const c = this.actor(actor);
    c.invocations += 1;
    c.measuredMs += measuredMs;
    c.billedMs += billedLambdaMs(measuredMs);
    for (const r of records) {
      const bytes = kinesisRecordBytes(r.data, r.partitionKey);
      c.recordsRead += 1;
      c.bytesRead += bytes;
      c.readBilledKb += onDemandBilledKb(bytes);
    }
  }

  /** What a batch of the current actor reported. */
  batch(result: BatchResult): void {
    const c = this.actor();
    c.events += result.dataIn;
    c.occurrences.DeadLetters += result.deadLetters;
    c.occurrences.LateRecords += result.late;
  }

  /** An invocation of `actor` that asked for (part of) its batch again (a failure is published at once: a document). */
  retry(actor: string): void {
    const c = this.actor(actor);
    c.occurrences.BatchFailures += 1;
    c.metricDocuments += 1;
  }

  /** A metrics document the current actor's handler published. */
  metricsDocument(): void {
    this.actor().metricDocuments += 1;
  }

  counts(): MeterCounts {
    return { streams: Object.fromEntries(this.streams), actors: Object.fromEntries(this.actors) };
  }

  /** The counts so far, and a fresh start: what follows is counted from zero (a warm-up left out). */
  reset(): MeterCounts {
    const counts = this.counts();
    this.actors.clear();
    this.streams.clear();
    return counts;
  }
}

/**
 * A {@link StreamClient} that counts every record put, per stream, except replay's own
 * end-of-input markers.
 *
 * @example
 * ```ts
 * const streams = new MeteredStreams(new MemoryStreams(), meter);
 * ```
 */
export class MeteredStreams implements StreamClient {
  constructor(private readonly inner: StreamClient, private readonly meter: CostMeter) {}

  listShards(stream: string, options?: { fresh?: boolean }): Promise<ShardInfo[]> {
    return this.inner.listShards(stream, options);
  }

  async putRecords(stream: string, entries: PutEntry[]): Promise<PutResult[]> {
    const counted = entries.filter((e) => !isSourceEnd(e.data));
    if (counted.length > 0) {
      this.meter.actor().streamPutRequests += 1;
      const c = this.meter.stream(stream);
      c.requests += 1;
      for (const e of counted) addRecord(c, kinesisRecordBytes(e.data, e.partitionKey));
    }
    return this.inner.putRecords(stream, entries);
  }
}

/**
 * A {@link SinkWriter} that counts what `AwsSinkWriter` would write: one Kinesis record per
 * output (JSON, the sink's partition key), PutRecords of up to 500; one DynamoDB item per key
 * and batch (`{id, value}`), BatchWriteItem of up to 25.
 *
 * @example
 * ```ts
 * const sinks = new MeteredSinks(job, new MemorySinkWriter(), meter);
 * ```
 */
export class MeteredSinks implements SinkWriter {
  private readonly specs = new Map<string, SinkSpec<unknown>>();
  private readonly sizes = new Map<string, number>();

  constructor(job: Job, private readonly inner: SinkWriter, private readonly meter: CostMeter) {
    for (const node of job.graph.nodes) if (node.kind === 'sink') this.specs.set(node.sink.name, node.sink);
  }

  async write(records: SinkRecordOut[]): Promise<void> {
    const c = this.meter.actor();
    for (const [name, rows] of groupBySink(records)) {
      const spec = this.specs.get(name);
      if (!spec) throw new Error(`unknown sink ${name}`);
      if (spec.kind === 'print') {
        for (const r of rows) c.printedBytes += Buffer.byteLength(printLine(name, r)) + LAMBDA_LOG_LINE_PREFIX_BYTES;
      } else if (spec.kind === 'kinesis') {
        c.sinkPuts.requests += Math.ceil(rows.length / 500);
        for (const r of rows) addRecord(c.sinkPuts, kinesisRecordBytes(Buffer.from(kinesisSinkRecord(r, spec.outputIds)), spec.partitionKey(r.value)));
      } else {
        const items = new Map(rows.map((r) => [spec.key(r.value), r.json]));
        for (const [id, value] of items) {
          const size = itemSize({ id, value });
          const key = `${name}\u0001${id}`;
          c.sinkWriteUnits += writeUnits(Math.max(size, this.sizes.get(key) ?? 0));
          this.sizes.set(key, size);
        }
      }
    }
    await this.inner.write(records);
  }
}
