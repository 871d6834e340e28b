import { BatchWriteCommand, type BatchWriteCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One put or delete of a BatchWriteItem request, with its table. */
export interface WriteOp {
  table: string;
  op: { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };
}

/**
 * Writes with BatchWriteItem, 25 operations a request, retrying unprocessed items with
 * exponential backoff (DynamoDB returns them under throttling). Not atomic; each operation is.
 *
 * @example
 * ```ts
 * await batchWriteAll(documents, [{ table: 'job-state', op: { PutRequest: { Item: row } } }]);
 * ```
 */
export async function batchWriteAll(
  documents: DynamoDBDocumentClient,
  ops: WriteOp[],
  onResponse?: (response: BatchWriteCommandOutput) => void,
): Promise<void> {
  for (let i = 0; i < ops.length; i += 25) {
    let pending: Record<string, any[]> | undefined = {};
    for (const { table, op } of ops.slice(i, i + 25)) (pending[table] ??= []).push(op);
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const response = await documents.send(new BatchWriteCommand({ RequestItems: pending, ReturnConsumedCapacity: 'TOTAL' }));
      onResponse?.(response);
      pending = response.UnprocessedItems as Record<string, any[]> | undefined;
    }
  }
}

/** Exponential backoff with jitter, capped at 2 s. */
export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2)));
}
