/**
 * One setting decides where a run goes:
 * - the embedded local stack: `EDDY_DYNAMODB_ENDPOINT` and `EDDY_KINESIS_ENDPOINT` (set by
 *   `eddy run` / `eddy replay` / the tests for the emulators they start);
 * - LocalStack: `AWS_ENDPOINT_URL`, e.g. http://localhost:4566 (one endpoint for every service);
 * - AWS: neither set; the default credentials chain and `AWS_REGION`.
 * `EDDY_RESOURCE_PREFIX` is prepended to every stream and table name (deployment stage, tests).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { withCallLog } from './call-log.ts';
import { parseFaultConfig, withFaultInjection, type FaultConfig } from './fault-injection.ts';

export interface AwsTarget {
  kind: 'embedded' | 'localstack' | 'aws';
  region: string;
  dynamodbEndpoint?: string;
  kinesisEndpoint?: string;
  /** Prepended to every physical stream and table name. */
  prefix: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Reads the target from the environment.
 *
 * @example
 * ```ts
 * const target = resolveAwsTarget({ AWS_ENDPOINT_URL: 'http://localhost:4566' }); // LocalStack
 * ```
 */
export function resolveAwsTarget(env: NodeJS.ProcessEnv = process.env): AwsTarget {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const prefix = env.EDDY_RESOURCE_PREFIX ?? '';
  if (env.EDDY_DYNAMODB_ENDPOINT || env.EDDY_KINESIS_ENDPOINT) {
    if (!env.EDDY_DYNAMODB_ENDPOINT || !env.EDDY_KINESIS_ENDPOINT) throw new Error('set both EDDY_DYNAMODB_ENDPOINT and EDDY_KINESIS_ENDPOINT for the embedded stack');
    return { kind: 'embedded', region, dynamodbEndpoint: env.EDDY_DYNAMODB_ENDPOINT, kinesisEndpoint: env.EDDY_KINESIS_ENDPOINT, prefix };
  }
  if (env.AWS_ENDPOINT_URL) return { kind: 'localstack', region, dynamodbEndpoint: env.AWS_ENDPOINT_URL, kinesisEndpoint: env.AWS_ENDPOINT_URL, prefix };
  return { kind: 'aws', region, prefix };
}

export interface AwsClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  kinesis: KinesisClient;
}

/**
 * SDK clients for a target; the Kinesis client speaks HTTP/1.1, which kinesis-mock requires.
 * `faults` (default: `EDDY_FAULTS` from process.env, because `openLocalJob` resolves the target
 * from an env object of its own) makes them throttle on purpose; see `fault-injection.ts`.
 */
export function createClients(target: AwsTarget, faults: FaultConfig | undefined = parseFaultConfig(process.env.EDDY_FAULTS)): AwsClients {
  const local = target.kind !== 'aws';
  const common = { region: target.region, maxAttempts: 8, ...(local && { credentials: LOCAL_CREDENTIALS }) };
  const callLog = process.env.EDDY_AWS_CALL_LOG;
  const dynamodb = withCallLog(withFaultInjection(new DynamoDBClient({ ...common, endpoint: target.dynamodbEndpoint }), faults), 'dynamodb', callLog);
  const kinesis = withCallLog(withFaultInjection(new KinesisClient({ ...common, endpoint: target.kinesisEndpoint, requestHandler: new NodeHttpHandler() }), faults), 'kinesis', callLog);
  return { dynamodb, documents: DynamoDBDocumentClient.from(dynamodb), kinesis };
}
