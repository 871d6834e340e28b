import { defineConfig } from 'vitest/config';
// The machine runs Node 20 on purpose (Lambda nodejs20.x); the SDK's notice about Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  // The example jobs import `eddy` as users do; in this checkout that is the TypeScript source
  // (package.json "exports", condition `eddy:source`; bin/eddy-runtime.mjs says the same for the CLI).
  ssr: { resolve: { conditions: ['eddy:source', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Starts DynamoDB Local + kinesis-mock once per run; see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests talk to real (local) emulators and some start their own stack (JVM start ~2-3 s).
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The machine runs Node 20 on purpose (Lambda nodejs20.x); the SDK's notice about Node 22 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
