import type { SinkRecordOut } from '../runtime/outputs.ts';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { FileSinkWriter } from '../connectors/file-sink.ts';
import { handlerName, stageById } from '../plan/plan.ts';
import type { BatchResult } from '../runtime/batch.ts';
import { createStageHandler } from '../runtime/handler.ts';
import { loadJob } from './load-job.ts';
import { usingTarget, type TargetOptions } from './target.ts';

export interface InvokeCommandOptions extends TargetOptions {
  /** A Kinesis event file (`eddy event`, or one captured from Lambda). */
  event: string;
  /** The function's timeout in seconds: the fake context's remaining time starts there. */
  timeout: string;
  /** Sinks append `<out>/<sink>.jsonl` (as `eddy run`) instead of writing their streams and tables. */
  out?: string;
}

/**
 * A Lambda context as the runtime passes it, for a function that starts now and may run
 * `timeoutMs`: the handler reads `getRemainingTimeInMillis` to stop and commit in time.
 *
 * @example
 * ```ts
 * await handler(event, fakeLambdaContext('eddy-order-timeout-local-orderTimeout', 60_000));
 * ```
 */
export function fakeLambdaContext(functionName: string, timeoutMs: number, region = 'us-east-1'): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * `eddy invoke <job> <stage> --event <file>`: runs one stage's Lambda handler — built exactly as
 * `functions/<job>/handler.ts` builds it — on a Kinesis event against the target's streams and
 * tables (see target.ts), with a fake Lambda context, and prints the handler's response
 * (`batchItemFailures`) on stdout; what the batch did goes to stderr. The checkpoint applies
 * as in Lambda: records at or below the shard's checkpoint are skipped, so invoking the same
 * event twice applies it once.
 *
 * @example
 * ```ts
 * const response = await invokeCommand('order-timeout', 'source-orders', { event: 'event.json', timeout: '60', dataDir: '.eddy' });
 * ```
 */
export async function invokeCommand(jobName: string, stageId: string, options: InvokeCommandOptions, say: (m: string) => void = (m) => console.error(m)): Promise<KinesisStreamBatchResponse> {
  const { job } = await loadJob(jobName);
  const event = parseEvent(await readFile(options.event, 'utf8'), options.event);
  const timeoutMs = Number(options.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new Error(`--timeout takes seconds, got "${options.timeout}"`);
  return usingTarget(job, options, { say, provision: true }, async ({ plan, services, env }) => {
    stageById(plan, stageId); // fails with the list of stages
    const onAppend = (records: SinkRecordOut[]) => records.forEach((r) => say(`-> ${r.sink}: ${r.json}`));
    if (options.out) services.sinks = new FileSinkWriter(options.out, { onAppend });
    else {
      const sinks = services.sinks;
      services.sinks = { write: async (records) => (await sinks.write(records), onAppend(records)) };
    }
    const handler = createStageHandler(job, stageId, () => services);
    const batches: BatchResult[] = [];
    handler.onBatch = (r) => batches.push(r);
    const response = await handler(event, fakeLambdaContext(`eddy-${job.name}-local-${handlerName(stageId)}`, timeoutMs, services.target.region));
    console.log(JSON.stringify(response, null, 2));
    for (const b of batches) {
      say(
        `${b.stage}/${b.shard}: records in=${b.recordsIn} skipped=${b.skipped} data=${b.dataIn} duplicates=${b.duplicates} outputs=${b.outputs} ` +
          `dead-letters=${b.deadLetters} timers-fired=${b.timersFired} watermark=${b.watermark}${b.commit ? ` commit=${b.commit}` : ''}`,
      );
    }
    if (batches.length === 0 && response.batchItemFailures.length > 0) say(`the batch failed: Lambda would deliver it again from ${response.batchItemFailures[0].itemIdentifier} (EDDY_LOG_LEVEL=INFO shows why)`);
    else if (response.batchItemFailures.length > 0) say(`out of time: Lambda would deliver the records from ${response.batchItemFailures[0].itemIdentifier} again`);
    if (!options.out && services.target.kind !== 'aws' && !env.EDDY_OUT_DIR) say('sink records went to their Kinesis streams / DynamoDB tables (--out <dir> writes files instead)');
    return response;
  });
}

function parseEvent(text: string, file: string): KinesisStreamEvent {
  let event: KinesisStreamEvent;
  try {
    event = JSON.parse(text) as KinesisStreamEvent;
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (!event || !Array.isArray(event.Records)) throw new Error(`${file} is not a Kinesis event (no "Records" array; \`eddy event\` writes one)`);
  const shards = new Set(event.Records.map((r) => r.eventID?.slice(0, r.eventID.indexOf(':'))));
  // Lambda invokes a function with the records of one shard; the handler takes the shard from the first.
  if (shards.size > 1) throw new Error(`${file} mixes records of several shards (${[...shards].join(', ')}); Lambda never does`);
  return event;
}
