#!/usr/bin/env node
// The eddy CLI. Users' jobs may be TypeScript: tsx loads them (bin/eddy-runtime.mjs).
import { importEddy } from './eddy-runtime.mjs';

const { main } = await importEddy('lib/cli/main');
await main(process.argv);
