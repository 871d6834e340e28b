import { DecodeError } from '../connectors/source-spec.ts';
import type { Origin } from './envelope.ts';

export interface StageEnvelopeOut {
  key: string;
  ts: number;
  /** The payload's JSON, encoded once: measured here, sent as is by the emitter. */
  payloadJson: string;
  origin: Origin;
  /** Encoded size, measured when the output was made (so a record too big to send fails its own input). */
  bytes: number;
  /** The target stage's second input (connect). */
  input?: 2;
  /** Sent to every shard of the target stream (a broadcast element), not to the key's shard. */
  broadcast?: true;
}

/** Kinesis records hold 1 MiB; an output must fit one with room for the record header. */
export const MAX_OUTPUT_BYTES = 900_000;

export interface SinkRecordOut {
  sink: string;
  value: unknown;
  /** The value's JSON, encoded once when the output was made (to measure it): what sinks write. */
  json: string;
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
  /** The list each envelope went to, in order: a rollback takes the last ones off their lists. */
  private readonly pushedTo: StageEnvelopeOut[][] = [];
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

  toStage(stream: string, key: string, ts: number, payload: unknown, input?: 2, broadcast?: true): void {
    const payloadJson = encodeOutput(payload);
    const bytes = byteSize(payloadJson) + key.length + 120; // + the envelope's own fields
    let list = this.envelopes.get(stream);
    if (!list) this.envelopes.set(stream, (list = []));
    this.pushedTo.push(list);
    const envelope: StageEnvelopeOut = { key, ts, payloadJson, origin: { seq: this.seq, index: this.index++ }, bytes };
    if (input) envelope.input = input;
    if (broadcast) envelope.broadcast = broadcast;
    list.push(envelope);
  }

  toSink(sink: string, value: unknown): void {
    const json = encodeOutput(value);
    byteSize(json);
    this.sinkRecords.push({ sink, value, json, id: `${this.stage}/${this.shard}/${this.seq}/${this.index++}` });
  }

  count(): number {
    let n = this.sinkRecords.length;
    for (const list of this.envelopes.values()) n += list.length;
    return n;
  }

  /** A point to roll back to (cheap: taken before every record). */
  mark(): OutputsMark {
    return { index: this.index, sinks: this.sinkRecords.length, envelopes: this.pushedTo.length };
  }

  rollback(mark: OutputsMark): void {
    this.index = mark.index;
    this.sinkRecords.length = mark.sinks;
    while (this.pushedTo.length > mark.envelopes) this.pushedTo.pop()!.pop();
  }
}

export interface OutputsMark {
  index: number;
  sinks: number;
  envelopes: number;
}

/** An output's JSON; throws (inside the record's own processing) for what cannot be encoded. */
function encodeOutput(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new DecodeError(`output cannot be encoded as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new DecodeError('output is not a JSON value');
  return json;
}

/** UTF-8 size of an output's JSON; throws for what cannot be sent. */
function byteSize(json: string): number {
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_OUTPUT_BYTES) throw new DecodeError(`output of ${bytes} bytes exceeds the ${MAX_OUTPUT_BYTES}-byte record limit`);
  return bytes;
}
