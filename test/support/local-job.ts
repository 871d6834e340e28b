import type { Job } from '../../lib/api/job.ts';
import { MemorySinkWriter } from '../../lib/connectors/memory-sink.ts';
import { openLocalJob } from '../../lib/local/local-job.ts';
import { localEndpoints } from './stack.ts';

let counter = 0;

/** A job provisioned on the shared test stack under a unique prefix, with sinks captured in memory. */
export async function openTestJob(job: Job, processingTime: 'event' | 'system' = 'system') {
  const prefix = `t${process.pid}-${Date.now().toString(36)}-${counter++}-`;
  const local = await openLocalJob(job, { endpoints: localEndpoints(), prefix, processingTime });
  const sinks = new MemorySinkWriter();
  local.services.sinks = sinks;
  return { ...local, sinks, prefix };
}
