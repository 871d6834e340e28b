import { startLocalStack } from '../local/emulators.ts';
import { ensureStack } from '../local/stack-service.ts';

/**
 * Where the AWS endpoints come from instead of the embedded stack, if the environment names any.
 *
 * @example
 * ```ts
 * endpointsFromEnvironment({ AWS_ENDPOINT_URL: 'http://localhost:4566' }); // both at LocalStack
 * ```
 */
export function endpointsFromEnvironment(env: NodeJS.ProcessEnv = process.env): { dynamodb: string; kinesis: string } | undefined {
  if (env.EDDY_DYNAMODB_ENDPOINT && env.EDDY_KINESIS_ENDPOINT) return { dynamodb: env.EDDY_DYNAMODB_ENDPOINT, kinesis: env.EDDY_KINESIS_ENDPOINT };
  if (env.AWS_ENDPOINT_URL) return { dynamodb: env.AWS_ENDPOINT_URL, kinesis: env.AWS_ENDPOINT_URL };
  return undefined;
}

/**
 * Runs `body` against the local AWS endpoints: the ones the environment names
 * (`EDDY_DYNAMODB_ENDPOINT` + `EDDY_KINESIS_ENDPOINT`, or LocalStack's `AWS_ENDPOINT_URL`),
 * else an in-memory embedded stack started for the occasion and stopped afterwards (replay:
 * nothing of it should outlive the command).
 *
 * @example
 * ```ts
 * await withLocalStack({ say: console.error }, async (endpoints) => { ... });
 * ```
 */
export async function withLocalStack<T>(
  options: { say: (message: string) => void; dataDir?: string },
  body: (endpoints: { dynamodb: string; kinesis: string }) => Promise<T>,
): Promise<T> {
  const fromEnv = endpointsFromEnvironment();
  if (fromEnv) return body(fromEnv);
  options.say(`starting the embedded local stack (DynamoDB Local + kinesis-mock${options.dataDir ? `, data in ${options.dataDir}` : ', in memory'})...`);
  const stack = await startLocalStack({ dataDir: options.dataDir });
  const stop = () => void stack.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await body(stack.endpoints);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await stack.stop();
  }
}

/**
 * The endpoints of the persistent local stack of `dataDir` (`eddy feed`, `eddy run`): the
 * environment's when it names some, else the stack service of the data dir, started in the
 * background if it is not running — and left running, so that the job can be killed and
 * restarted against the same streams and tables.
 *
 * @example
 * ```ts
 * const endpoints = await stackEndpoints({ dataDir: '.eddy', say: console.error });
 * ```
 */
export async function stackEndpoints(options: { dataDir: string; say: (message: string) => void; env?: NodeJS.ProcessEnv }): Promise<{ dynamodb: string; kinesis: string }> {
  const fromEnv = endpointsFromEnvironment(options.env);
  if (fromEnv) {
    options.say(`using the endpoints from the environment (dynamodb ${fromEnv.dynamodb}, kinesis ${fromEnv.kinesis}); --data-dir is not used`);
    return fromEnv;
  }
  const { info, started } = await ensureStack(options.dataDir, { say: options.say });
  options.say(`${started ? 'started' : 'using'} the local stack of ${info.dataDir} (pid ${info.pid}; \`eddy stack stop --data-dir ${options.dataDir}\` stops it)`);
  return info.endpoints;
}
