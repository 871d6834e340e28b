/**
 * What the DynamoDB store charges per batch, written down from `lib/aws/dynamodb-store.ts`,
 * `lib/runtime/batch.ts` and DynamoDB's published rules, for items under 1 KB (state items
 * and checkpoints of the keyed count are):
 *
 * - every batch reads its checkpoint (BatchGetItem, 1 RCU) and commits it;
 * - a keyed batch with k distinct keys preloads them (⌈k/100⌉ BatchGetItem, k RCU: a key
 *   that is not there yet is charged the minimum read as well) and writes k state items;
 * - a commit of k + 1 ≤ 100 items is one TransactWriteItems at 2 WCU per item; a larger one
 *   is ⌈k/25⌉ BatchWriteItem at 1 WCU per item plus the fenced checkpoint PutItem (1 WCU).
 *
 * Left out: the timer queries of a shard's first batch (a handful per run), sink writes
 * (Kinesis) and dead letters.
 */

/** TransactWriteItems limit; the store falls back to BatchWriteItem above it (dynamodb-store.ts). */
export const MAX_TRANSACTION_ITEMS = 100;

export interface BatchCost {
  requests: number;
  readUnits: number;
  writeUnits: number;
  transactional: boolean;
}

/** Cost of one batch that writes `dirtyItems` items besides its checkpoint and preloads `keys` keys. */
export function batchCost(keys: number, dirtyItems = keys): BatchCost {
  const preload = keys === 0 ? 0 : Math.ceil(keys / 100);
  const transactional = dirtyItems + 1 <= MAX_TRANSACTION_ITEMS;
  const commitRequests = transactional ? 1 : Math.ceil(dirtyItems / 25) + 1;
  return {
    requests: 1 + preload + commitRequests,
    readUnits: 1 + keys,
    writeUnits: transactional ? 2 * (dirtyItems + 1) : dirtyItems + 1,
    transactional,
  };
}

export function addCosts(costs: BatchCost[]): Omit<BatchCost, 'transactional'> {
  return costs.reduce((sum, c) => ({ requests: sum.requests + c.requests, readUnits: sum.readUnits + c.readUnits, writeUnits: sum.writeUnits + c.writeUnits }), {
    requests: 0,
    readUnits: 0,
    writeUnits: 0,
  });
}

/** The naive baseline: GetItem (strongly consistent, 1 RCU) + PutItem (1 WCU) per event. */
export function naiveCost(events: number): Omit<BatchCost, 'transactional'> {
  return { requests: 2 * events, readUnits: events, writeUnits: events };
}
