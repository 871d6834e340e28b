import { startLocalStack } from '../local/emulators.ts';

/**
 * Runs `body` against the local AWS endpoints: the ones the environment names
 * (`EDDY_DYNAMODB_ENDPOINT` + `EDDY_KINESIS_ENDPOINT`, or LocalStack's `AWS_ENDPOINT_URL`),
 * else an embedded stack started for the occasion and stopped afterwards.
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
  const env = process.env;
  if (env.EDDY_DYNAMODB_ENDPOINT && env.EDDY_KINESIS_ENDPOINT) return body({ dynamodb: env.EDDY_DYNAMODB_ENDPOINT, kinesis: env.EDDY_KINESIS_ENDPOINT });
  if (env.AWS_ENDPOINT_URL) return body({ dynamodb: env.AWS_ENDPOINT_URL, kinesis: env.AWS_ENDPOINT_URL });
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
