import type { Origin } from './envelope.ts';

export interface StageEnvelopeOut {
  key: string;
  ts: number;
  payload: unknown;
  origin: Origin;
}

export interface SinkRecordOut {
  sink: string;
  value: unknown;
  /** Deterministic per input position: `<stage>/<shard>/<seq>/<index>`. */
  id: string;
}

/**
 * What one batch emits, numbered by input position: every output of the input record at
 * `seq` gets the next index, so a retried batch re-emits identical origins and the
 * downstream stage (or an idempotent sink) recognises what it already has.
 *
 * @example
 * ```ts
 * const out = new BatchOutputs('source-orders', 'shardId-000000000000');
 * out.at('4959...');
 * out.toStage('job-stage', 'o-1', 1000, order);
 * ```
 */
export class BatchOutputs {
  readonly envelopes = new Map<string, StageEnvelopeOut[]>();
  readonly sinkRecords: SinkRecordOut[] = [];
  private seq = '';
  private index = 0;

  constructor(private readonly stage: string, private readonly shard: string) {}

  /** Outputs from now on belong to the input record at `seq`. */
  at(seq: string): void {
    if (seq !== this.seq) {
      this.seq = seq;
      this.index = 0;
    }
  }

  toStage(stream: string, key: string, ts: number, payload: unknown): void {
    let list = this.envelopes.get(stream);
    if (!list) this.envelopes.set(stream, (list = []));
    list.push({ key, ts, payload, origin: { seq: this.seq, index: this.index++ } });
  }

  toSink(sink: string, value: unknown): void {
    this.sinkRecords.push({ sink, value, id: `${this.stage}/${this.shard}/${this.seq}/${this.index++}` });
  }

  count(): number {
    let n = this.sinkRecords.length;
    for (const list of this.envelopes.values()) n += list.length;
    return n;
  }

  mark(): { index: number; sinks: number; lengths: Map<string, number> } {
    return { index: this.index, sinks: this.sinkRecords.length, lengths: new Map([...this.envelopes].map(([s, l]) => [s, l.length])) };
  }

  rollback(mark: ReturnType<BatchOutputs['mark']>): void {
    this.index = mark.index;
    this.sinkRecords.length = mark.sinks;
    for (const [stream, list] of this.envelopes) list.length = mark.lengths.get(stream) ?? 0;
  }
}
