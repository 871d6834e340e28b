#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so `npm ci && npx eddy ...` works without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
await main(process.argv);
