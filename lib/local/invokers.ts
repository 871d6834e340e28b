import type { Job } from '../api/job.ts';
import type { Plan } from '../plan/plan.ts';
import { runBatch, type BatchResult } from '../runtime/batch.ts';
import { ChaosCrash } from '../runtime/chaos.ts';
import { createStageHandler, type StageHandler } from '../runtime/handler.ts';
import { StageTask, type RuntimeServices } from '../runtime/task.ts';
import type { StageInvoker } from './event-source-runner.ts';
import { toKinesisEvent } from './kinesis-event.ts';

/**
 * Invokes each stage through its Lambda handler with a real Kinesis event — what local runs
 * and replay use, so that the code Lambda runs is the code tested.
 *
 * @example
 * ```ts
 * const invoke = handlerInvoker(job, plan, services, (r) => console.log(r));
 * ```
 */
export function handlerInvoker(job: Job, plan: Plan, services: RuntimeServices, onBatch?: (r: BatchResult) => void): StageInvoker {
  const handlers = new Map<string, StageHandler>();
  for (const stage of plan.stages) {
    const handler = createStageHandler(job, stage.id, () => services);
    handler.onBatch = onBatch;
    handlers.set(stage.id, handler);
  }
  return async (stageId, shardId, stream, records) => {
    const response = await handlers.get(stageId)!(toKinesisEvent(stream, shardId, records));
    return { retryFrom: response.batchItemFailures[0]?.itemIdentifier };
  };
}

/**
 * Invokes stages directly, without the Lambda event round trip: for engine benchmarks and
 * unit tests on the in-memory store.
 */
export function taskInvoker(job: Job, plan: Plan, services: RuntimeServices, onBatch?: (r: BatchResult) => void): StageInvoker {
  const tasks = new Map<string, Promise<StageTask>>();
  return async (stageId, shardId, _stream, records) => {
    const id = `${stageId}/${shardId}`;
    let task = tasks.get(id);
    if (!task) tasks.set(id, (task = StageTask.create(job, stageId, shardId, services, plan)));
    try {
      const result = await runBatch(await task, records); // not inside onBatch?.(…): that skips its argument when unset
      onBatch?.(result);
      return {};
    } catch (error) {
      if (!(error instanceof ChaosCrash)) throw error;
      tasks.delete(id); // a crash loses the container and its memory, as in the Lambda handler
      return { retryFrom: records[0].seq };
    }
  };
}
