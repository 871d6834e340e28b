/**
 * Prints what serverless.yml takes from a job's plan — `{ job, functions, resources }` — as
 * JSON: `node bin/run-ts.mjs infra/serverless-config.ts <job>`. infra/serverless.cjs runs it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Job } from '../lib/api/job.ts';
import { planJob } from '../lib/plan/planner.ts';
import { toServerless } from '../lib/plan/serverless.ts';

const name = process.argv[2];
const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'functions', name ?? '', 'job.ts');
if (!name || !existsSync(file)) throw new Error(`usage: infra/serverless-config.ts <job> (no ${file})`);
const job = (await import(pathToFileURL(file).href)).default;
if (!(job instanceof Job)) throw new Error(`${file} must export a Job as default`);
process.stdout.write(JSON.stringify({ job: name, ...toServerless(planJob(job.graph)) }));
