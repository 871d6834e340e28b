/**
 * vitest globalSetup: one in-memory local AWS stack (DynamoDB Local + kinesis-mock) for the whole test run, shared by
 * every test file. Starting it once costs ~2.5 s; per file it would dominate the run time. Tests isolate themselves by
 * using unique table/stream names. Reach the endpoints from a test with `localEndpoints()` from test/support/stack.ts.
 */
import type { TestProject } from 'vitest/node';
import { rm } from 'node:fs/promises';
import { startLocalStack } from '../lib/local/emulators.ts';
import { packageCacheDir } from './support/artifacts.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startLocalStack();
  project.provide('eddyEndpoints', stack.endpoints);
  return async () => {
    await stack.stop();
    await rm(packageCacheDir(process.pid), { recursive: true, force: true }); // what the test files packaged (test/support/artifacts.ts)
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    eddyEndpoints: { dynamodb: string; kinesis: string };
  }
}
