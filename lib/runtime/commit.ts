import type { ItemCache } from '../state/item-cache.ts';
import type { KeyValueStore } from '../state/store.ts';
import { checkpointItem, type Checkpoint } from './checkpoint.ts';
import { deadLetterItem, type DeadLetter } from './dead-letters.ts';

export interface BatchCommit {
  stage: string;
  shard: string;
  cache: ItemCache;
  deadLetters: DeadLetter[];
  checkpoint: Checkpoint;
  /** Version of the checkpoint the batch started from (undefined: there was none). */
  previousVersion: number | undefined;
}

/**
 * Makes a batch's effects durable: dirty state and timer items, dead letters and the new
 * checkpoint, fenced on the previous checkpoint version. This is the one place a batch
 * commits; how atomic it is depends on the store (see docs/design-decisions.md).
 *
 * @example
 * ```ts
 * await commitBatch(store, { stage, shard, cache, deadLetters, checkpoint, previousVersion });
 * ```
 */
export async function commitBatch(store: KeyValueStore, commit: BatchCommit): Promise<{ itemsWritten: number }> {
  const { puts, deletes } = commit.cache.changes();
  const allPuts = [...puts, ...commit.deadLetters.map(deadLetterItem)];
  await store.commit({
    puts: allPuts,
    deletes,
    checkpoint: { item: checkpointItem(commit.stage, commit.shard, commit.checkpoint), expectedVersion: commit.previousVersion },
  });
  return { itemsWritten: allPuts.length + deletes.length + 1 };
}
