/**
 * Records that could not be processed: not decodable, no key or event time, or a user
 * function threw. Each goes to the job's dead-letter table under a deterministic key
 * (stage, shard, sequence number, index), in the same commit as the batch, so it is written
 * exactly when the batch's effects are.
 */
import type { Item } from '../state/store.ts';

export interface DeadLetter {
  stage: string;
  shard: string;
  seq: string;
  /** Position within the input record (envelope index), 0 for a whole record. */
  index: number;
  reason: string;
  /** The record as text when it is valid UTF-8, else base64 (see `encoding`). */
  record: string;
  encoding: 'utf8' | 'base64';
  /** Wall-clock time when it was dead-lettered. */
  at: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function recordText(data: Uint8Array): { record: string; encoding: 'utf8' | 'base64' } {
  try {
    return { record: utf8.decode(data), encoding: 'utf8' };
  } catch {
    return { record: Buffer.from(data).toString('base64'), encoding: 'base64' };
  }
}

/** DynamoDB items hold 400 KB (of UTF-8); a longer record is cut (and says so) rather than lost with its reason. */
const MAX_RECORD_BYTES = 300_000;

/** The longest prefix of `text` that fits `bytes` of UTF-8, cut at a character boundary. */
function cutUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= bytes) return text;
  const cut = Buffer.from(text, 'utf8').subarray(0, bytes).toString('utf8');
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}

export function deadLetterItem(d: DeadLetter): Item {
  const record = cutUtf8(d.record, MAX_RECORD_BYTES);
  return {
    table: 'dead-letter',
    pk: `${d.stage}#${d.shard}`,
    sk: `${d.seq.padStart(60, '0')}#${String(d.index).padStart(6, '0')}`,
    attrs: {
      stage: d.stage,
      shard: d.shard,
      seq: d.seq,
      index: d.index,
      reason: cutUtf8(d.reason, 2000),
      record,
      encoding: d.encoding,
      truncated: record.length < d.record.length ? 1 : 0,
      at: d.at,
    },
  };
}

export function deadLetterOfItem(item: Item): DeadLetter & { truncated: boolean } {
  const a = item.attrs;
  return {
    stage: String(a.stage),
    shard: String(a.shard),
    seq: String(a.seq),
    index: Number(a.index),
    reason: String(a.reason),
    record: String(a.record),
    encoding: a.encoding === 'base64' ? 'base64' : 'utf8',
    at: Number(a.at),
    truncated: Number(a.truncated) === 1,
  };
}

/** Every dead letter of a job, stage by stage and shard by shard, in sequence order. */
export async function readDeadLetters(
  store: { query(table: 'dead-letter', pk: string): Promise<Item[]> },
  stageShards: { stage: string; shard: string }[],
): Promise<(DeadLetter & { truncated: boolean })[]> {
  const out = [];
  for (const { stage, shard } of stageShards) {
    for (const item of await store.query('dead-letter', `${stage}#${shard}`)) out.push(deadLetterOfItem(item));
  }
  return out;
}
