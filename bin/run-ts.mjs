#!/usr/bin/env node
// Runs a TypeScript entry file (bench, build scripts) through tsx without a build step.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { setUpRuntime } from './eddy-runtime.mjs';

setUpRuntime();
const [file, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], file, ...rest];
await import(pathToFileURL(resolve(file)).href);
