import { hashKeyOf, shardForHash, sortShards } from '../plan/partitioning.ts';
import { dataEnvelopeJson, encodeEncodedEnvelopes } from './envelope.ts';
import type { StageEnvelopeOut } from './outputs.ts';
import type { PutEntry, ShardInfo, StreamClient } from './stream-client.ts';

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

/** A stale shard map is refreshed and the emit repeated at most this often. */
const MAX_RESHARD_ATTEMPTS = 5;

/**
 * Sends a batch's envelopes to the next stage's stream. Envelopes are grouped by the shard
 * that owns their key and packed into as few records as fit; each round of PutRecords carries
 * at most one record per shard, and the next round starts only when the previous one is fully
 * written (failed entries retried with backoff). So a partial failure can never reorder two
 * envelopes of one shard, and every shard sees this upstream's envelopes in origin order.
 *
 * Each record is addressed to its shard. When the stream was resharded after the shard map
 * was read, PutRecords reports a record landing elsewhere: the receiving shard ignores it
 * (not its keys), and the whole emit is repeated on a fresh map; envelopes that did arrive
 * are dropped downstream as already consumed, by their origin.
 *
 * @example
 * ```ts
 * await emitEnvelopes(client, 'order-timeout-order-timeout', { from, envelopes, watermark: 995 });
 * ```
 */
export async function emitEnvelopes(client: StreamClient, stream: string, options: EmitOptions): Promise<number> {
  let records = 0;
  for (let attempt = 1; ; attempt++) {
    const shards = sortShards((await client.listShards(stream, { fresh: attempt > 1 })).filter((s) => !s.closed));
    const sent = await emitOnShards(client, stream, shards, options);
    records += sent.records;
    if (!sent.misrouted) return records;
    if (attempt >= MAX_RESHARD_ATTEMPTS) throw new Error(`PutRecords to ${stream}: records still land in other shards than addressed after ${attempt} fresh shard maps`);
  }
}

async function emitOnShards(client: StreamClient, stream: string, shards: ShardInfo[], options: EmitOptions): Promise<{ records: number; misrouted: boolean }> {
  const perShard = new Map<string, Sized[]>(shards.map((s) => [s.shardId, []]));
  const only = shards.length === 1 ? perShard.get(shards[0].shardId)! : undefined; // one shard owns every key: no hashing
  for (const e of options.envelopes) {
    const sized = { json: dataEnvelopeJson(e.key, e.ts, e.payloadJson, e.origin, e.input), bytes: e.bytes };
    if (only) only.push(sized);
    else if (e.broadcast) for (const list of perShard.values()) list.push(sized); // every shard, in order with the rest
    else perShard.get(shardForHash(shards, hashKeyOf(e.key)).shardId)!.push(sized);
  }
  const control: Sized[] = [];
  if (options.watermark !== undefined) control.push({ json: JSON.stringify({ kind: 'watermark', watermark: options.watermark }), bytes: 60 });
  if (options.end) control.push({ json: JSON.stringify({ kind: 'end' }), bytes: 20 });

  const chunksByShard = shards.map((shard) => {
    const envelopes = [...perShard.get(shard.shardId)!, ...control];
    return { shard, chunks: chunk(envelopes).map((e) => encodeEncodedEnvelopes(options.from, shard.shardId, e)) };
  });
  let records = 0;
  for (let round = 0; ; round++) {
    const entries: PutEntry[] = [];
    const addressed: string[] = [];
    for (const { shard, chunks } of chunksByShard) {
      const data = chunks[round];
      if (!data) continue;
      entries.push({ data, partitionKey: shard.shardId, explicitHashKey: shard.start.toString() });
      addressed.push(shard.shardId);
    }
    if (entries.length === 0) return { records, misrouted: false };
    const landed = await putAll(client, stream, entries);
    records += entries.length;
    // A shard id missing from the answer (some emulators) cannot be checked; Kinesis always gives it.
    if (landed.some((shardId, i) => shardId !== undefined && shardId !== addressed[i])) return { records, misrouted: true };
  }
}

/**
 * Writes entries, retrying the failed ones with exponential backoff; throws after MAX_ATTEMPTS.
 * Returns the shard each entry landed in, in order.
 */
export async function putAll(client: StreamClient, stream: string, entries: PutEntry[]): Promise<(string | undefined)[]> {
  const landed: (string | undefined)[] = [];
  for (const request of splitRequests(entries)) {
    const shardIds: (string | undefined)[] = new Array(request.length);
    let pending = request.map((entry, i) => ({ entry, i }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const results = await client.putRecords(stream, pending.map((p) => p.entry));
      const failed = pending.filter((p, n) => {
        if (results[n]?.error !== undefined) return true;
        shardIds[p.i] = results[n]?.shardId;
        return false;
      });
      if (failed.length === 0) break;
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`PutRecords to ${stream}: ${failed.length} records still failing after ${attempt} attempts (${results.find((r) => r.error)?.error})`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2)));
      pending = failed;
    }
    landed.push(...shardIds);
  }
  return landed;
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

/** An envelope's JSON and its size as measured when the output was made. */
interface Sized {
  json: string;
  bytes: number;
}

/** Packs envelopes, in order, into records of at most MAX_RECORD_BYTES (sizes measured when the outputs were made). */
function chunk(envelopes: Sized[]): string[][] {
  if (envelopes.length === 0) return [];
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const { json: envelope, bytes: size } of envelopes) {
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
