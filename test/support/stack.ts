/** Access from test files to the local AWS stack that test/global-setup.ts starts once per run. */
import { inject } from 'vitest';

/** Region the tests sign with. DynamoDB Local runs with -sharedDb, so the region does not partition its tables. */
export const LOCAL_REGION = 'us-east-1';
/** Dummy credentials: both emulators accept any, but the SDK refuses to sign without some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Endpoints (`http://127.0.0.1:PORT`) of the shared emulators; pass them as `endpoint` to the AWS SDK clients. */
export function localEndpoints(): { dynamodb: string; kinesis: string } {
  return inject('eddyEndpoints');
}
