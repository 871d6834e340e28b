// serverless.yml reads the job's functions, resources and IAM from the plan, through the
// eddy CLI, so nothing about a job is written twice. The job is EDDY_JOB (default order-timeout).
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

let cached;
module.exports = async () => {
  if (!cached) {
    const job = process.env.EDDY_JOB || 'order-timeout';
    const out = execFileSync(process.execPath, [join(__dirname, '..', 'bin', 'eddy.mjs'), 'plan', job, '--format', 'serverless'], { encoding: 'utf8' });
    cached = { job, ...JSON.parse(out) };
  }
  return cached;
};
