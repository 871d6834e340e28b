/**
 * Runs `work` with the job's stages reading `batchSize` records per invocation, then restores
 * the job's own. Chaos tests use it: a crash can only strike between batches, and the default
 * batch (1,000 records) would take these tests' few hundred records in one.
 */
import type { Job } from '../../../lib/api/index.ts';

/** Records per batch in the chaos tests: several batches for every few hundred records. */
export const CHAOS_BATCH_SIZE = 100;

export async function withBatchSize<T>(job: Job, batchSize: number | undefined, work: () => Promise<T>): Promise<T> {
  const saved = job.graph.options.batchSize;
  if (batchSize !== undefined) job.graph.options.batchSize = batchSize;
  try {
    return await work();
  } finally {
    job.graph.options.batchSize = saved;
  }
}
