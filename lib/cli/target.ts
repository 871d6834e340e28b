/**
 * Where the operating commands (`invoke`, `state`, `timers`, `checkpoints`, `reset`, `dlq`)
 * find a job's streams and tables. The same rule as `eddy feed` / `eddy run`, plus AWS:
 *
 * 1. endpoints named by the environment (`EDDY_DYNAMODB_ENDPOINT` + `EDDY_KINESIS_ENDPOINT`,
 *    or LocalStack's `AWS_ENDPOINT_URL`) win, and `--data-dir` is not used;
 * 2. `--aws`: AWS itself (default credentials chain, `AWS_REGION`);
 * 3. else the persistent local stack of `--data-dir` (default `.eddy`), started in the
 *    background if it is not running, as `eddy feed` does.
 *
 * `EDDY_RESOURCE_PREFIX` is prepended to every name in all three cases (lib/aws/config.ts).
 */
import type { Command } from 'commander';
import type { Job } from '../api/job.ts';
import { provisionPlan } from '../aws/provision.ts';
import { servicesFromEnvironment } from '../aws/services.ts';
import type { Plan } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import { ensureStack } from '../local/stack-service.ts';
import { endpointsFromEnvironment } from './stack.ts';

/** Where `eddy run` / `feed` / `stack` keep the local stack's data (gitignored). */
export const DEFAULT_DATA_DIR = '.eddy';

export interface TargetOptions {
  /** The persistent local stack's data dir. */
  dataDir: string;
  /** Use AWS itself when the environment names no endpoints. */
  aws?: boolean;
}

/**
 * Adds `--data-dir` and `--aws` to a command.
 *
 * @example
 * ```ts
 * withTarget(program.command('timers <job>')).action(async (name, opts) => { ... });
 * ```
 */
export function withTarget(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'the local stack of this data dir (as eddy run; started if needed)', DEFAULT_DATA_DIR)
    .option('--aws', 'AWS itself (default credentials, AWS_REGION) instead of a data dir, when the environment names no endpoints');
}

/**
 * The environment the AWS clients resolve from (lib/aws/config.ts), after the rule above: the
 * given one untouched when it names endpoints or `--aws` is set, else it plus the endpoints of
 * the data dir's stack.
 *
 * @example
 * ```ts
 * const env = await targetEnv({ dataDir: '.eddy' }, { say: console.error });
 * const target = resolveAwsTarget(env);
 * ```
 */
export async function targetEnv(options: TargetOptions, context: { env?: NodeJS.ProcessEnv; say: (message: string) => void }): Promise<NodeJS.ProcessEnv> {
  const env = context.env ?? process.env;
  if (endpointsFromEnvironment(env) || options.aws) return env;
  const { info, started } = await ensureStack(options.dataDir, { say: context.say });
  // Quiet when reusing a running stack: these commands print data, and people pipe it.
  if (started) context.say(`started the local stack of ${info.dataDir} (pid ${info.pid}; \`eddy stack stop --data-dir ${options.dataDir}\` stops it)`);
  return { ...env, EDDY_DYNAMODB_ENDPOINT: info.endpoints.dynamodb, EDDY_KINESIS_ENDPOINT: info.endpoints.kinesis };
}

/** A job's plan and runtime services on a target; `close()` lets the process exit. */
export interface JobTarget {
  plan: Plan;
  services: ReturnType<typeof servicesFromEnvironment>;
  env: NodeJS.ProcessEnv;
  close(): void;
}

/**
 * Opens a job on the target: plan, store, streams and sinks as a Lambda of the job would build
 * them (`servicesFromEnvironment`). `provision` creates missing streams and tables on a local
 * target (never on AWS, where `serverless deploy` owns them).
 *
 * @example
 * ```ts
 * const target = await openTarget(job, { dataDir: '.eddy' }, { say: console.error });
 * try { ... target.services.store ... } finally { target.close(); }
 * ```
 */
export async function openTarget(
  job: Job,
  options: TargetOptions,
  context: { env?: NodeJS.ProcessEnv; say: (message: string) => void; provision?: boolean },
): Promise<JobTarget> {
  const plan = planJob(job.graph);
  const env = await targetEnv(options, context);
  const services = servicesFromEnvironment(job, plan, env);
  const close = () => {
    // Keep-alive sockets to a long-lived stack would otherwise hold the process open.
    services.clients.dynamodb.destroy();
    services.clients.kinesis.destroy();
  };
  try {
    if (context.provision && services.target.kind !== 'aws') await provisionPlan(plan, services.clients, services.target.prefix);
  } catch (error) {
    close();
    throw error;
  }
  return { plan, services, env, close };
}

/**
 * Runs `body` on an opened target and closes it afterwards.
 *
 * @example
 * ```ts
 * await usingTarget(job, opts, { say }, async ({ services }) => readStageCheckpoints(services.store, 'source-orders'));
 * ```
 */
export async function usingTarget<T>(
  job: Job,
  options: TargetOptions,
  context: { env?: NodeJS.ProcessEnv; say: (message: string) => void; provision?: boolean },
  body: (target: JobTarget) => Promise<T>,
): Promise<T> {
  const target = await openTarget(job, options, context);
  try {
    return await body(target);
  } finally {
    target.close();
  }
}
