import type { Job } from '../api/job.ts';
import { FileSinkWriter } from '../connectors/file-sink.ts';
import { resourceNames, type Plan } from '../plan/plan.ts';
import type { RuntimeServices } from '../runtime/task.ts';
import { createClients, resolveAwsTarget, type AwsClients, type AwsTarget } from './config.ts';
import { DynamoDbStore } from './dynamodb-store.ts';
import { KinesisStreamClient } from './kinesis-stream-client.ts';
import { AwsSinkWriter } from './sink-writer.ts';

/**
 * The runtime services of a job from the environment: where AWS is (see `config.ts`),
 * `EDDY_OUT_DIR` (local runs: sinks write JSON Lines files there) and
 * `EDDY_PROCESSING_TIME=event` (replay: simulated processing time).
 *
 * @example
 * ```ts
 * const services = servicesFromEnvironment(job, plan);
 * ```
 */
export function servicesFromEnvironment(job: Job, plan: Plan, env: NodeJS.ProcessEnv = process.env): RuntimeServices & { clients: AwsClients; target: AwsTarget } {
  const target = resolveAwsTarget(env);
  const clients = createClients(target);
  const streams = new KinesisStreamClient(clients.kinesis, target.prefix);
  const store = new DynamoDbStore(clients.documents, {
    state: target.prefix + resourceNames.stateTable(plan.job),
    'dead-letter': target.prefix + resourceNames.deadLetterTable(plan.job),
  });
  const sinks = env.EDDY_OUT_DIR ? new FileSinkWriter(env.EDDY_OUT_DIR) : new AwsSinkWriter(job, plan, streams, clients.documents, target.prefix);
  return {
    store,
    streams,
    sinks,
    processingTime: env.EDDY_PROCESSING_TIME === 'event' ? 'event' : 'system',
    wallClock: () => Date.now(),
    clients,
    target,
  };
}
