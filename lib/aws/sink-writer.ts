import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SinkSpec } from '../connectors/sink-spec.ts';
import { batchWriteAll } from './batch-write.ts';
import { groupBySink, printLine, type SinkWriter } from '../connectors/sink-writer.ts';
import { kinesisSinkRecord } from '../connectors/sinks.ts';
import { putAll } from '../runtime/emitter.ts';
import type { SinkRecordOut } from '../runtime/outputs.ts';
import type { StreamClient } from '../runtime/stream-client.ts';
import type { Job } from '../api/job.ts';
import type { Plan } from '../plan/plan.ts';

/**
 * Writes sink outputs to their Kinesis streams (partition key from the sink) and DynamoDB
 * tables (item key from the sink, so a re-delivered output overwrites itself); print sinks
 * write a line per record to the function's log.
 *
 * @example
 * ```ts
 * const sinks = new AwsSinkWriter(job, plan, streams, clients.documents, target.prefix);
 * ```
 */
export class AwsSinkWriter implements SinkWriter {
  constructor(
    private readonly job: Job,
    private readonly plan: Plan,
    private readonly streams: StreamClient,
    private readonly documents: DynamoDBDocumentClient,
    private readonly prefix: string,
    /** Where print sinks' lines go (Lambda: stdout, which is the function's CloudWatch log). */
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {}

  async write(records: SinkRecordOut[]): Promise<void> {
    for (const [name, rows] of groupBySink(records)) {
      const { sink, target } = this.sinkNamed(name);
      if (sink.kind === 'print') {
        for (const r of rows) this.log(printLine(name, r));
      } else if (sink.kind === 'kinesis') {
        await putAll(this.streams, target, rows.map((r) => ({ data: Buffer.from(kinesisSinkRecord(r, sink.outputIds)), partitionKey: sink.partitionKey(r.value) })));
      } else {
        // One write per item key: BatchWriteItem rejects a key twice, and the last output for a key is its value.
        const items = new Map(rows.map((r) => [sink.key(r.value), r.json]));
        const table = this.prefix + target;
        await batchWriteAll(this.documents, [...items].map(([id, value]) => ({ table, op: { PutRequest: { Item: { id, value } } } })));
      }
    }
  }

  private sinkNamed(name: string): { sink: SinkSpec<unknown>; target: string } {
    const node = this.job.graph.nodes.find((n) => n.kind === 'sink' && n.sink.name === name);
    const out = this.plan.stages.flatMap((s) => s.outputs).find((o) => o.kind === 'sink' && o.sink === name);
    if (!node || node.kind !== 'sink' || !out || out.kind !== 'sink') throw new Error(`unknown sink ${name}`);
    return { sink: node.sink, target: out.target };
  }
}
