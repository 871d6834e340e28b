/**
 * A job wired to the embedded local stack (or LocalStack / AWS through the same settings):
 * services from an environment object, streams and tables provisioned from the plan, and
 * the stage handlers ready for the event source runner.
 */
import type { Job } from '../api/job.ts';
import { provisionPlan } from '../aws/provision.ts';
import { servicesFromEnvironment } from '../aws/services.ts';
import { KinesisShardReader } from '../aws/kinesis-shard-reader.ts';
import type { Plan } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { handlerInvoker } from './invokers.ts';

export interface LocalJobOptions {
  endpoints: { dynamodb: string; kinesis: string };
  /** Prepended to every stream and table (isolates runs sharing one stack); default EDDY_RESOURCE_PREFIX. */
  prefix?: string;
  /** Sinks write `<outDir>/<sink>.jsonl` when set. */
  outDir?: string;
  processingTime?: 'event' | 'system';
  onBatch?: (result: BatchResult) => void;
}

/**
 * @example
 * ```ts
 * const local = await openLocalJob(job, { endpoints: stack.endpoints, outDir: 'out', processingTime: 'event' });
 * ```
 */
export async function openLocalJob(job: Job, options: LocalJobOptions) {
  const plan: Plan = planJob(job.graph);
  const env: NodeJS.ProcessEnv = {
    EDDY_DYNAMODB_ENDPOINT: options.endpoints.dynamodb,
    EDDY_KINESIS_ENDPOINT: options.endpoints.kinesis,
    EDDY_RESOURCE_PREFIX: options.prefix ?? process.env.EDDY_RESOURCE_PREFIX ?? '',
    EDDY_OUT_DIR: options.outDir,
    EDDY_PROCESSING_TIME: options.processingTime ?? 'system',
    AWS_REGION: 'us-east-1',
  };
  const services = servicesFromEnvironment(job, plan, env);
  await provisionPlan(plan, services.clients, services.target.prefix);
  const reader = new KinesisShardReader(services.clients.kinesis, services.target.prefix);
  const invoke = handlerInvoker(job, plan, services, options.onBatch);
  return { plan, services, reader, invoke, env };
}
