// serverless.yml reads the job's functions and resources (streams, tables, one IAM role per
// function) from the plan (lib/plan/serverless.ts), so nothing about a job is written twice.
// The job is EDDY_JOB (default order-timeout).
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

let cached;
module.exports = async () => {
  if (!cached) {
    const job = process.env.EDDY_JOB || 'order-timeout';
    const root = join(__dirname, '..');
    const out = execFileSync(process.execPath, [join(root, 'bin', 'run-ts.mjs'), join(root, 'infra', 'serverless-config.ts'), job], { encoding: 'utf8', cwd: root });
    cached = JSON.parse(out);
  }
  return cached;
};
