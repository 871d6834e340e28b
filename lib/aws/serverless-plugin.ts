/**
 * The Serverless Framework (v3) plugin of eddy (`plugins: [eddy/serverless]`; its entry,
 * infra/serverless-plugin.mjs, maps Serverless's variable source and lifecycle events to this
 * class). It makes a project's serverless.yml a few lines:
 *
 * ```yaml
 * service: clicks
 * frameworkVersion: '3'
 * provider: { name: aws, runtime: nodejs20.x, architecture: arm64 }
 * plugins: [eddy/serverless]
 * custom: { eddy: { job: jobs/clicks.ts } }
 * package: { individually: true, patterns: ['!**'] }
 * functions: ${eddy:functions}
 * resources: { Resources: '${eddy:resources}' }
 * ```
 *
 * - Variables `${eddy:functions}` and `${eddy:resources}` (and `${eddy:job}`, the job's name)
 *   come from the job's plan (lib/plan/serverless.ts): one function per stage with its Kinesis
 *   event source mapping, the sweep, streams, tables, one IAM role per function.
 * - Before every packaging (`package`, `deploy`, `deploy function`) and `invoke local` it
 *   bundles the functions itself (bundle.ts) into `dist/<job>/`, so what ships is the code as
 *   it is now — never a stale bundle, and no build step to forget.
 */
import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Job } from '../api/job.ts';
import { planJob } from '../plan/planner.ts';
import type { Plan } from '../plan/plan.ts';
import { lambdaFunctions, toServerless } from '../plan/serverless.ts';
import { bundleFunctions } from './bundle.ts';

/** What the plugin uses of the Serverless instance (v3). */
interface ServerlessInstance {
  serviceDir: string;
  service: { custom?: { eddy?: { job?: string } } };
}

interface PluginLog {
  notice(message: string): void;
}

interface VariableSourceArgs {
  address?: string;
  resolveConfigurationProperty(path: string[]): Promise<unknown>;
}

interface LoadedJob {
  jobFile: string;
  plan: Plan;
  config: ReturnType<typeof toServerless>;
}

/**
 * @example
 * ```yaml
 * # serverless.yml
 * plugins: [eddy/serverless]
 * custom: { eddy: { job: jobs/clicks.ts } }
 * functions: ${eddy:functions}
 * ```
 */
export class EddyServerlessPlugin {
  private loaded?: Promise<LoadedJob>;
  private readonly log: PluginLog;

  constructor(private readonly serverless: ServerlessInstance, _options: unknown, utils?: { log?: PluginLog }) {
    this.log = utils?.log ?? { notice: (m) => console.error(m) };
  }

  /** The value of `${eddy:<address>}`. */
  async resolveVariable({ address, resolveConfigurationProperty }: VariableSourceArgs): Promise<{ value: unknown }> {
    const { plan, config } = await this.job(async () => resolveConfigurationProperty(['custom', 'eddy', 'job']));
    switch (address) {
      case 'functions':
        return { value: config.functions };
      case 'resources':
        return { value: config.resources };
      case 'job':
        return { value: plan.job };
      default:
        throw new Error(`\${eddy:${address ?? ''}}: eddy knows \${eddy:functions}, \${eddy:resources} and \${eddy:job}`);
    }
  }

  /** Bundles the job's functions into `dist/<job>/` (before every packaging and `invoke local`). */
  async bundle(): Promise<void> {
    const { jobFile, plan } = await this.job(async () => this.serverless.service.custom?.eddy?.job);
    const outDir = join(this.serverless.serviceDir, 'dist', plan.job);
    const sizes = await bundleFunctions(jobFile, plan, outDir, this.serverless.serviceDir);
    const kib = Math.round(sizes.reduce((n, s) => n + s.bytes, 0) / 1024);
    this.log.notice(`eddy: bundled ${lambdaFunctions(plan).join(', ')} of job ${plan.job} into ${relative(this.serverless.serviceDir, outDir)}/ (${kib} KiB)`);
  }

  /** The job of `custom.eddy.job` (a path from the service directory), loaded and planned once per process. */
  private job(jobSetting: () => Promise<unknown>): Promise<LoadedJob> {
    this.loaded ??= (async () => {
      const setting = await jobSetting();
      if (typeof setting !== 'string' || setting === '') throw new Error('eddy: set custom.eddy.job in serverless.yml to the job module, e.g. `custom: { eddy: { job: jobs/clicks.ts } }`');
      const jobFile = isAbsolute(setting) ? setting : join(this.serverless.serviceDir, setting);
      const job = (await import(pathToFileURL(jobFile).href)).default;
      if (!(job instanceof Job)) throw new Error(`eddy: ${setting} (custom.eddy.job) must export a Job as default`);
      const plan = planJob(job.graph);
      return { jobFile, plan, config: toServerless(plan) };
    })();
    return this.loaded;
  }
}
