import { defineConfig } from 'vitest/config';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, pool: 'forks', root: '/work/main' } });
