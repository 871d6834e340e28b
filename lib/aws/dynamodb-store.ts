import {
  BatchGetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { backoff, batchWriteAll, type WriteOp } from './batch-write.ts';
import {
  CommitConflictError,
  MAX_ATOMIC_ITEMS,
  emptyStats,
  type CommitRequest,
  type Item,
  type ItemKey,
  type KeyValueStore,
  type SortKeyRange,
  type StoreStats,
  type TableRole,
} from '../state/store.ts';


/**
 * The {@link KeyValueStore} on DynamoDB: this file and `provision.ts` are where eddy touches
 * DynamoDB. Reads are strongly consistent (a batch must see the previous batch's commit).
 * `commit` is one TransactWriteItems with the fenced checkpoint (a conditional PutItem when the
 * checkpoint is all it writes); `writeBatch` is BatchWriteItem. Which a batch uses is decided
 * in lib/runtime/commit.ts.
 *
 * @example
 * ```ts
 * const store = new DynamoDbStore(clients.documents, { state: 'job-state', 'dead-letter': 'job-dead-letter' });
 * ```
 */
export class DynamoDbStore implements KeyValueStore {
  private readonly counters = emptyStats();

  constructor(private readonly documents: DynamoDBDocumentClient, private readonly tables: Record<TableRole, string>) {}

  async batchGet(keys: ItemKey[]): Promise<Item[]> {
    const found: Item[] = [];
    const roleOf = new Map(Object.entries(this.tables).map(([role, name]) => [name, role as TableRole]));
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {};
      for (const key of keys.slice(i, i + 100)) {
        const table = this.tables[key.table];
        (request[table] ??= { Keys: [], ConsistentRead: true }).Keys.push({ pk: key.pk, sk: key.sk });
      }
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const response = await this.documents.send(new BatchGetCommand({ RequestItems: request as any, ReturnConsumedCapacity: 'TOTAL' }));
        this.count(response.ConsumedCapacity, 'read');
        for (const [table, rows] of Object.entries(response.Responses ?? {})) {
          for (const row of rows) found.push(toItem(roleOf.get(table)!, row));
        }
        request = response.UnprocessedKeys as typeof request;
      }
    }
    this.counters.itemsRead += found.length;
    return found;
  }

  async query(table: TableRole, pk: string, range: SortKeyRange = {}): Promise<Item[]> {
    const values: Record<string, unknown> = { ':pk': pk };
    let condition = 'pk = :pk';
    if (range.from !== undefined && range.to !== undefined) {
      condition += ' AND sk BETWEEN :from AND :to';
      Object.assign(values, { ':from': range.from, ':to': range.to });
    } else if (range.from !== undefined) {
      condition += ' AND sk >= :from';
      values[':from'] = range.from;
    } else if (range.to !== undefined) {
      condition += ' AND sk <= :to';
      values[':to'] = range.to;
    }
    return this.readPages(table, range.limit, (start, read) =>
      new QueryCommand({
        TableName: this.tables[table],
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ExclusiveStartKey: start,
        Limit: range.limit === undefined ? undefined : range.limit - read,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async scan(table: TableRole, filter: { pkPrefix: string; skPrefix?: string }): Promise<Item[]> {
    return this.readPages(table, undefined, (start) =>
      new ScanCommand({
        TableName: this.tables[table],
        FilterExpression: 'begins_with(pk, :pk) AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': filter.pkPrefix, ':sk': filter.skPrefix ?? '' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  /** Every page of a Query or Scan (up to `limit` items), counting the capacity it consumed. */
  private async readPages(table: TableRole, limit: number | undefined, page: (start: Record<string, unknown> | undefined, read: number) => QueryCommand | ScanCommand): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const response = await this.documents.send(page(start, items.length) as QueryCommand);
      this.count(response.ConsumedCapacity && [response.ConsumedCapacity], 'read');
      for (const row of response.Items ?? []) items.push(toItem(table, row));
      start = response.LastEvaluatedKey;
    } while (start && (limit === undefined || items.length < limit));
    this.counters.itemsRead += items.length;
    return items;
  }

  async commit(request: CommitRequest): Promise<void> {
    const { item: checkpoint, expectedVersion } = request.checkpoint;
    const condition =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } };
    if (request.puts.length + request.deletes.length + 1 > MAX_ATOMIC_ITEMS) throw new Error('a commit holds at most 100 items (see lib/runtime/commit.ts)');
    this.counters.itemsWritten += request.puts.length + request.deletes.length + 1;
    const conflict = () => new CommitConflictError(`checkpoint ${checkpoint.pk}/${checkpoint.sk} moved past version ${expectedVersion}: another invocation committed this shard`);
    if (request.puts.length + request.deletes.length === 0) {
      // The checkpoint alone: a conditional PutItem is as atomic and fenced, at half the write units.
      try {
        const response = await this.documents.send(new PutCommand({ TableName: this.tables.state, Item: toRow(checkpoint), ...condition, ReturnConsumedCapacity: 'TOTAL' }));
        this.count(response.ConsumedCapacity && [response.ConsumedCapacity], 'write');
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') throw conflict();
        throw error;
      }
      return;
    }
    try {
      const response = await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            ...request.puts.map((i) => ({ Put: { TableName: this.tables[i.table], Item: toRow(i) } })),
            ...request.deletes.map((k) => ({ Delete: { TableName: this.tables[k.table], Key: { pk: k.pk, sk: k.sk } } })),
            { Put: { TableName: this.tables.state, Item: toRow(checkpoint), ...condition } },
          ],
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count(response.ConsumedCapacity, 'write');
    } catch (error) {
      const name = (error as Error).name;
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      if (name === 'TransactionCanceledException' && reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
        throw conflict();
      }
      throw error;
    }
  }

  async writeBatch(puts: Item[], deletes: ItemKey[]): Promise<void> {
    const ops: WriteOp[] = [
      ...puts.map((i) => ({ table: this.tables[i.table], op: { PutRequest: { Item: toRow(i) } } })),
      ...deletes.map((k) => ({ table: this.tables[k.table], op: { DeleteRequest: { Key: { pk: k.pk, sk: k.sk } } } })),
    ];
    this.counters.itemsWritten += ops.length;
    await batchWriteAll(this.documents, ops, (response) => this.count(response.ConsumedCapacity, 'write'));
  }

  stats(): StoreStats {
    return { ...this.counters };
  }

  private count(capacity: ConsumedCapacity[] | undefined, kind: 'read' | 'write'): void {
    this.counters.requests += 1;
    for (const c of capacity ?? []) {
      if (kind === 'read') this.counters.readUnits += c.CapacityUnits ?? c.ReadCapacityUnits ?? 0;
      else this.counters.writeUnits += c.CapacityUnits ?? c.WriteCapacityUnits ?? 0;
    }
  }
}

function toRow(item: Item): Record<string, unknown> {
  return { ...item.attrs, pk: item.pk, sk: item.sk };
}

function toItem(table: TableRole, row: Record<string, any>): Item {
  const { pk, sk, ...attrs } = row;
  return { table, pk, sk, attrs };
}
