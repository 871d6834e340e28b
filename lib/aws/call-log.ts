/**
 * Which AWS calls a process makes, for checking them against IAM: with `EDDY_AWS_CALL_LOG=<file>`
 * (read by `createClients`), an SDK middleware appends one JSON line per call — service, action,
 * and the tables or streams it names — before the call is sent. The deployed-artifact test gives
 * every function process its own file and evaluates each call against that function's role
 * (test/integration/deploy/iam-coverage.test.ts); `eddy` users can use it to see what a job does.
 * Off (no middleware at all) when the variable is unset.
 */
import { appendFileSync } from 'node:fs';
import type { HandlerExecutionContext, InitializeMiddleware, MiddlewareStack } from '@smithy/types';

/** One AWS call: `{ service: 'dynamodb', action: 'Query', resources: [{ type: 'table', name: 'job-state' }] }`. */
export interface AwsCall {
  service: 'dynamodb' | 'kinesis';
  action: string;
  /** The tables / streams the request names (physical names); empty when it names none (ListTables). */
  resources: { type: 'table' | 'stream'; name: string }[];
}

/**
 * The tables or streams a request names.
 *
 * @example
 * ```ts
 * namedResources('dynamodb', { RequestItems: { a: [], b: [] } }); // [{ type: 'table', name: 'a' }, { type: 'table', name: 'b' }]
 * ```
 */
export function namedResources(service: AwsCall['service'], input: Record<string, any>): AwsCall['resources'] {
  if (service === 'kinesis') {
    const name = input.StreamName ?? (typeof input.StreamARN === 'string' ? input.StreamARN.slice(input.StreamARN.indexOf('/') + 1) : undefined);
    return name === undefined ? [] : [{ type: 'stream', name }];
  }
  const tables = new Set<string>();
  if (typeof input.TableName === 'string') tables.add(input.TableName);
  for (const name of Object.keys(input.RequestItems ?? {})) tables.add(name);
  for (const item of input.TransactItems ?? []) for (const op of Object.values(item ?? {})) if (typeof (op as any)?.TableName === 'string') tables.add((op as any).TableName);
  return [...tables].map((name) => ({ type: 'table', name }));
}

/**
 * Adds the call log to a client when `file` is set.
 *
 * @example
 * ```ts
 * const kinesis = withCallLog(new KinesisClient({}), 'kinesis', process.env.EDDY_AWS_CALL_LOG);
 * ```
 */
export function withCallLog<C extends { middlewareStack: MiddlewareStack<any, any> }>(client: C, service: AwsCall['service'], file: string | undefined): C {
  if (!file) return client;
  const log: InitializeMiddleware<any, any> = (next, context: HandlerExecutionContext) => async (args) => {
    const call: AwsCall = { service, action: String(context.commandName).replace(/Command$/, ''), resources: namedResources(service, args.input ?? {}) };
    appendFileSync(file, JSON.stringify(call) + '\n');
    return next(args);
  };
  client.middlewareStack.add(log, { step: 'initialize', name: 'eddyCallLog', priority: 'high' });
  return client;
}
