import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SinkWriter } from '../connectors/sink-writer.ts';
import { putAll } from '../runtime/emitter.ts';
import type { SinkRecordOut } from '../runtime/outputs.ts';
import type { StreamClient } from '../runtime/stream-client.ts';
import type { Job } from '../api/job.ts';
import type { Plan } from '../plan/plan.ts';

/**
 * Writes sink outputs to their Kinesis streams (partition key from the sink) and DynamoDB
 * tables (item key from the sink, so a re-delivered output overwrites itself).
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
  ) {}

  async write(records: SinkRecordOut[]): Promise<void> {
    const bySink = new Map<string, SinkRecordOut[]>();
    for (const r of records) bySink.set(r.sink, [...(bySink.get(r.sink) ?? []), r]);
    for (const [name, rows] of bySink) {
      const node = this.job.graph.nodes.find((n) => n.kind === 'sink' && n.sink.name === name);
      const out = this.plan.stages.flatMap((s) => s.outputs).find((o) => o.kind === 'sink' && o.sink === name);
      if (!node || node.kind !== 'sink' || !out || out.kind !== 'sink') throw new Error(`unknown sink ${name}`);
      const sink = node.sink;
      if (sink.kind === 'kinesis') {
        await putAll(this.streams, out.target, rows.map((r) => ({ data: Buffer.from(JSON.stringify(r.value)), partitionKey: sink.partitionKey(r.value) })));
      } else {
        for (let i = 0; i < rows.length; i += 25) {
          const chunk = rows.slice(i, i + 25).map((r) => ({ PutRequest: { Item: { id: sink.key(r.value), value: JSON.stringify(r.value) } } }));
          let pending: Record<string, any[]> | undefined = { [this.prefix + out.target]: chunk };
          while (pending && Object.keys(pending).length > 0) {
            const response = await this.documents.send(new BatchWriteCommand({ RequestItems: pending }));
            pending = response.UnprocessedItems as Record<string, any[]> | undefined;
          }
        }
      }
    }
  }
}
