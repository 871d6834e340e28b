/** Kinesis calls the emulator tests share: a stream made ACTIVE, and everything it holds read back. */
import { CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';

/**
 * Creates the stream and polls until ACTIVE (the SDK waiter's 10 s minimum delay is far too slow here).
 *
 * @example
 * ```ts
 * await createActiveStream(kinesis, 'orders', 2);
 * ```
 */
export async function createActiveStream(client: KinesisClient, streamName: string, shardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`stream ${streamName} not ACTIVE after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Reads every shard from TRIM_HORIZON to the tip; returns the payloads (as text) per shard id.
 *
 * @example
 * ```ts
 * const all = [...(await readAllShards(kinesis, 'orders')).values()].flat();
 * ```
 */
export async function readAllShards(client: KinesisClient, streamName: string): Promise<Map<string, string[]>> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  const byShard = new Map<string, string[]>();
  for (const shard of Shards) {
    const payloads: string[] = [];
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      payloads.push(...(page.Records ?? []).map((record) => Buffer.from(record.Data!).toString()));
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
    byShard.set(shard.ShardId!, payloads);
  }
  return byShard;
}
