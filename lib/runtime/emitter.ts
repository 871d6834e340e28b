import { hashKeyOf, shardForHash, sortShards } from '../plan/partitioning.ts';
import { encodeEnvelopes, type Envelope } from './envelope.ts';
import type { StageEnvelopeOut } from './outputs.ts';
import type { PutEntry, StreamClient } from './stream-client.ts';

/** Kinesis takes 1 MiB per record; leave room for the record header. */
const MAX_RECORD_BYTES = 900_000;
const MAX_ENTRIES_PER_REQUEST = 500;
const MAX_BYTES_PER_REQUEST = 4_500_000;
const MAX_ATTEMPTS = 10;

export interface EmitOptions {
  from: { stage: string; shard: string };
  envelopes: StageEnvelopeOut[];
  /** Sent to every shard of the stream after the data, when set. */
  watermark?: number;
  /** End of input, sent to every shard after everything else. */
  end?: boolean;
}

/**
 * Sends a batch's envelopes to the next stage's stream. Envelopes are grouped by the shard
 * that owns their key and packed into as few records as fit; each round of PutRecords carries
 * at most one record per shard, and the next round starts only when the previous one is fully
 * written (failed entries retried with backoff). So a partial failure can never reorder two
 * envelopes of one shard, and every shard sees this upstream's envelopes in origin order.
 *
 * @example
 * ```ts
 * await emitEnvelopes(client, 'order-timeout-order-timeout', { from, envelopes, watermark: 995 });
 * ```
 */
export async function emitEnvelopes(client: StreamClient, stream: string, options: EmitOptions): Promise<number> {
  const shards = sortShards((await client.listShards(stream)).filter((s) => !s.closed));
  const perShard = new Map<string, Sized[]>(shards.map((s) => [s.shardId, []]));
  for (const e of options.envelopes) {
    const shard = shardForHash(shards, hashKeyOf(e.key));
    perShard.get(shard.shardId)!.push({ envelope: { kind: 'data', key: e.key, ts: e.ts, payload: e.payload, origin: e.origin }, bytes: e.bytes });
  }
  const control: Sized[] = [];
  if (options.watermark !== undefined) control.push({ envelope: { kind: 'watermark', watermark: options.watermark }, bytes: 60 });
  if (options.end) control.push({ envelope: { kind: 'end' }, bytes: 20 });

  const chunksByShard = shards.map((shard) => {
    const envelopes = [...perShard.get(shard.shardId)!, ...control];
    return { shard, chunks: chunk(envelopes).map((e) => encodeEnvelopes({ from: options.from, envelopes: e })) };
  });
  let records = 0;
  for (let round = 0; ; round++) {
    const entries: PutEntry[] = [];
    for (const { shard, chunks } of chunksByShard) {
      const data = chunks[round];
      if (data) entries.push({ data, partitionKey: shard.shardId, explicitHashKey: shard.start.toString() });
    }
    if (entries.length === 0) return records;
    await putAll(client, stream, entries);
    records += entries.length;
  }
}

/** Writes entries, retrying the failed ones with exponential backoff; throws after MAX_ATTEMPTS. */
export async function putAll(client: StreamClient, stream: string, entries: PutEntry[]): Promise<void> {
  for (const request of splitRequests(entries)) {
    let pending = request;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const results = await client.putRecords(stream, pending);
      const failed = pending.filter((_, i) => results[i] !== undefined);
      if (failed.length === 0) break;
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`PutRecords to ${stream}: ${failed.length} records still failing after ${attempt} attempts (${results.find((r) => r)})`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2)));
      pending = failed;
    }
  }
}

function splitRequests(entries: PutEntry[]): PutEntry[][] {
  const requests: PutEntry[][] = [];
  let current: PutEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = e.data.length + e.partitionKey.length;
    if (current.length > 0 && (current.length >= MAX_ENTRIES_PER_REQUEST || bytes + size > MAX_BYTES_PER_REQUEST)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

interface Sized {
  envelope: Envelope;
  bytes: number;
}

/** Packs envelopes, in order, into records of at most MAX_RECORD_BYTES (sizes measured when the outputs were made). */
function chunk(envelopes: Sized[]): Envelope[][] {
  if (envelopes.length === 0) return [];
  const chunks: Envelope[][] = [];
  let current: Envelope[] = [];
  let bytes = 0;
  for (const { envelope, bytes: size } of envelopes) {
    if (current.length > 0 && bytes + size > MAX_RECORD_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(envelope);
    bytes += size;
  }
  chunks.push(current);
  return chunks;
}
