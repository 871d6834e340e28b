/**
 * Counts DynamoDB requests and the capacity DynamoDB reports, per operation, by a middleware
 * on a DynamoDBClient (a DynamoDBDocumentClient made `from` it shares its middleware stack).
 * It sits at the build step, before the SDK's retry loop: one count per logical request, as
 * `DynamoDbStore.stats()` counts. Besides the reported units it counts keys asked for, items
 * returned and items written, and computes the units DynamoDB's published rules give
 * (`model`), because DynamoDB Local's own accounting is wrong for transactions:
 *
 * - reads: ⌈item size / 4 KB⌉ per item (×0.5 when eventually consistent); a GetItem or
 *   BatchGetItem key that finds nothing, and a Query that returns nothing, are charged the
 *   minimum of one read (an upper bound: DynamoDB Local charges them nothing in BatchGetItem
 *   and Query);
 * - writes: ⌈item size / 1 KB⌉ per item written (deletes: 1, as the old size is unknown here),
 *   doubled inside TransactWriteItems (DynamoDB Local reports a flat amount per table per
 *   transaction, whatever the number of items);
 * - PutItem over a larger old item is charged by the old size on DynamoDB; the model uses the
 *   new item's size.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSize } from '../lib/cost/item-size.ts';

export { itemSize };

export interface OperationCount {
  requests: number;
  /** Requests that failed (thrown to the caller). */
  errors: number;
  /** Sum of the `CapacityUnits` DynamoDB returned (ReturnConsumedCapacity: TOTAL). */
  units: number;
  /** Requests whose response carried ConsumedCapacity at all. */
  withCapacity: number;
  /** Keys requested by GetItem / BatchGetItem. */
  keysRequested: number;
  /** Items returned by GetItem / BatchGetItem / Query. */
  itemsReturned: number;
  /** Items put or deleted by PutItem / DeleteItem / BatchWriteItem / TransactWriteItems. */
  itemsWritten: number;
  /** Units by DynamoDB's published rules (see the file comment). */
  model: number;
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface MeterTotals {
  requests: number;
  errors: number;
  /** As reported by DynamoDB. */
  readUnits: number;
  writeUnits: number;
  /** By the published rules. */
  modelReadUnits: number;
  modelWriteUnits: number;
  /** Successful requests whose response carried no ConsumedCapacity. */
  unreported: number;
  keysRequested: number;
  itemsReturned: number;
  itemsWritten: number;
}

export class DynamoMeter {
  readonly operations = new Map<string, OperationCount>();

  /** Starts counting every request `client` (or a document client made from it) sends. */
  attach(client: DynamoDBClient, name = 'benchDynamoMeter'): this {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        const counts = this.counts(operation);
        counts.requests++;
        const input = args.input as Record<string, any>;
        if (operation === 'GetItem') counts.keysRequested += 1;
        if (operation === 'BatchGetItem') for (const t of Object.values<any>(input.RequestItems ?? {})) counts.keysRequested += t.Keys?.length ?? 0;
        if (operation === 'PutItem' || operation === 'DeleteItem' || operation === 'UpdateItem') counts.itemsWritten += 1;
        if (operation === 'TransactWriteItems') counts.itemsWritten += input.TransactItems?.length ?? 0;
        if (operation === 'BatchWriteItem') for (const ops of Object.values<any[]>(input.RequestItems ?? {})) counts.itemsWritten += ops.length;
        let result;
        try {
          result = await next(args);
        } catch (error) {
          counts.errors++;
          throw error;
        }
        const output = result.output as Record<string, any>;
        const capacity = output.ConsumedCapacity === undefined ? [] : [output.ConsumedCapacity].flat();
        if (capacity.length > 0) counts.withCapacity++;
        for (const c of capacity) counts.units += c?.CapacityUnits ?? 0;
        if (operation === 'GetItem' && output.Item) counts.itemsReturned += 1;
        if (operation === 'BatchGetItem') for (const rows of Object.values<any[]>(output.Responses ?? {})) counts.itemsReturned += rows.length;
        if (operation === 'Query' || operation === 'Scan') counts.itemsReturned += output.Items?.length ?? 0;
        // Unprocessed items are re-sent by the caller and counted then; take them off here.
        if (operation === 'BatchWriteItem') for (const ops of Object.values<any[]>(output.UnprocessedItems ?? {})) counts.itemsWritten -= ops.length;
        if (operation === 'BatchGetItem') for (const t of Object.values<any>(output.UnprocessedKeys ?? {})) counts.keysRequested -= t.Keys?.length ?? 0;
        counts.model += modelUnits(operation, input, output);
        return result;
      },
      { step: 'build', name },
    );
    return this;
  }

  totals(): MeterTotals {
    const t: MeterTotals = { requests: 0, errors: 0, readUnits: 0, writeUnits: 0, modelReadUnits: 0, modelWriteUnits: 0, unreported: 0, keysRequested: 0, itemsReturned: 0, itemsWritten: 0 };
    for (const [operation, c] of this.operations) {
      t.requests += c.requests;
      t.errors += c.errors;
      t.unreported += c.requests - c.errors - c.withCapacity;
      t.keysRequested += c.keysRequested;
      t.itemsReturned += c.itemsReturned;
      t.itemsWritten += c.itemsWritten;
      if (READS.has(operation)) (t.readUnits += c.units), (t.modelReadUnits += c.model);
      else if (WRITES.has(operation)) (t.writeUnits += c.units), (t.modelWriteUnits += c.model);
    }
    return t;
  }

  private counts(operation: string): OperationCount {
    let c = this.operations.get(operation);
    if (!c) this.operations.set(operation, (c = { requests: 0, errors: 0, units: 0, withCapacity: 0, keysRequested: 0, itemsReturned: 0, itemsWritten: 0, model: 0 }));
    return c;
  }
}

// ---------------------------------------------------------------------------------------------
// Units by the published rules

const KB = 1024;

function modelUnits(operation: string, input: Record<string, any>, output: Record<string, any>): number {
  const read = (size: number, consistent: boolean) => Math.max(1, Math.ceil(size / (4 * KB))) * (consistent ? 1 : 0.5);
  const write = (item: Record<string, unknown>) => Math.max(1, Math.ceil(itemSize(item) / KB));
  switch (operation) {
    case 'GetItem':
      return read(output.Item ? itemSize(output.Item) : 0, input.ConsistentRead === true);
    case 'BatchGetItem': {
      let units = 0;
      for (const [table, request] of Object.entries<any>(input.RequestItems ?? {})) {
        const consistent = request.ConsistentRead === true;
        const rows: Record<string, unknown>[] = output.Responses?.[table] ?? [];
        const unprocessed = output.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
        for (const row of rows) units += read(itemSize(row), consistent);
        units += Math.max(0, (request.Keys?.length ?? 0) - rows.length - unprocessed) * read(0, consistent);
      }
      return units;
    }
    case 'Query':
    case 'Scan': {
      const total = (output.Items ?? []).reduce((sum: number, row: Record<string, unknown>) => sum + itemSize(row), 0);
      return read(total, input.ConsistentRead === true);
    }
    case 'PutItem':
      return write(input.Item);
    case 'DeleteItem':
    case 'UpdateItem':
      return 1;
    case 'BatchWriteItem': {
      let units = 0;
      for (const ops of Object.values<any[]>(input.RequestItems ?? {})) for (const op of ops) units += op.PutRequest ? write(op.PutRequest.Item) : 1;
      for (const ops of Object.values<any[]>(output.UnprocessedItems ?? {})) for (const op of ops) units -= op.PutRequest ? write(op.PutRequest.Item) : 1;
      return units;
    }
    case 'TransactWriteItems':
      return (input.TransactItems ?? []).reduce((sum: number, op: any) => sum + 2 * (op.Put ? write(op.Put.Item) : 1), 0);
    default:
      return 0;
  }
}
