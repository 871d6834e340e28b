#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so `npm ci && npx eddy ...` works without a build step.
import { register } from 'tsx/esm/api';

// The machine runs Node 20 on purpose (Lambda nodejs20.x); the SDK's notice about Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../lib/cli/main.ts');
await main(process.argv);
