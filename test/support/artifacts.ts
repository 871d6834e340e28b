/**
 * What `serverless package` would deploy, run here: packaging a job, unzipping each function's
 * zip into a directory of its own outside the repository, and running its handler in a Node
 * process of its own as the Lambda runtime would (test/support/lambda-worker.mjs), with the
 * Handler and Environment of the CloudFormation template.
 */
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { waitForLock } from '../../lib/local/pid-lock.ts';

const run = promisify(execFile);
const WORKER = resolve('test/support/lambda-worker.mjs');
/** The environment of `serverless package` in tests: offline and quiet. */
export const SLS_ENV = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' };

export type Resource = { Type: string; Properties: any; DependsOn?: string[] };
export type Template = { Resources: Record<string, Resource> };

/**
 * Where a test run keeps the packages of its jobs: one directory per vitest run (the workers'
 * parent process), removed by test/global-setup.ts at the end.
 */
export function packageCacheDir(runPid = process.ppid): string {
  return join(tmpdir(), `eddy-sls-cache-${runPid}`);
}

/**
 * `EDDY_JOB=<job> serverless package --stage <stage>` of this repository's serverless.yml; the
 * package directory and its template (read-only: shared). Each (job, stage) is packaged once per
 * test run, in a service directory of its own — the repository's entries linked in,
 * serverless.yml copied, its own `dist/` (the plugin's bundles) and `.serverless/` (Serverless
 * empties it when it starts and zips every function there): two packagings in one directory,
 * of any jobs, remove each other's zips.
 *
 * @example
 * ```ts
 * const { dir, serviceDir, template } = await slsPackage('order-timeout');
 * ```
 */
export async function slsPackage(job: string, stage = 'dev'): Promise<{ dir: string; serviceDir: string; template: Template; stdout: string }> {
  const cache = packageCacheDir();
  await mkdir(cache, { recursive: true });
  const root = join(cache, `${job}-${stage}`);
  const [serviceDir, dir] = [join(root, 'service'), join(root, 'package')];
  const lock = await waitForLock(`${root}.lock`, 600_000);
  try {
    if (!existsSync(join(root, 'output.txt'))) {
      await rm(root, { recursive: true, force: true });
      await mkdir(serviceDir, { recursive: true });
      const repo = resolve('.');
      for (const entry of readdirSync(repo)) {
        if (entry.startsWith('.') || entry === 'dist' || entry === 'serverless.yml') continue;
        await symlink(join(repo, entry), join(serviceDir, entry));
      }
      await copyFile(join(repo, 'serverless.yml'), join(serviceDir, 'serverless.yml'));
      const { stdout, stderr } = await run(process.execPath, ['node_modules/serverless/bin/serverless.js', 'package', '--stage', stage, '--package', dir], {
        cwd: serviceDir,
        env: { ...SLS_ENV, EDDY_JOB: job },
        timeout: 300_000,
      }).catch((e) => {
        // Serverless prints its error on stdout, its log on stderr.
        throw new Error(`serverless package ${job} --stage ${stage} failed (exit ${e?.code ?? '?'}):\n${e?.stdout ?? ''}\n${e?.stderr ?? e}`);
      });
      await writeFile(join(root, 'output.txt'), stdout + stderr);
    }
  } finally {
    await lock.release();
  }
  const template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  return { dir, serviceDir, template, stdout: await readFile(join(root, 'output.txt'), 'utf8') };
}

/** A function of a packaged template, unzipped. */
export interface UnpackedFunction {
  /** Its name in serverless.yml (`sourceOrders`), which is also its zip's name. */
  name: string;
  functionName: string;
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** Where its zip was unpacked: the function's LAMBDA_TASK_ROOT. */
  taskRoot: string;
}

/**
 * Unzips each function of a packaged template into `<into>/<name>/`, with its Handler and its
 * Environment (intrinsic functions resolved by `resolve`; a value it cannot resolve fails).
 */
export async function unpackFunctions(packageDir: string, template: Template, into: string, resolveIntrinsic: (value: object) => string): Promise<UnpackedFunction[]> {
  const out: UnpackedFunction[] = [];
  for (const r of Object.values(template.Resources).filter((x) => x.Type === 'AWS::Lambda::Function')) {
    const p = r.Properties;
    const zipName = basename(String(p.Code.S3Key));
    const name = zipName.replace(/\.zip$/, '');
    const taskRoot = join(into, name);
    const zip = await JSZip.loadAsync(await readFile(join(packageDir, zipName)));
    for (const entry of Object.values(zip.files)) {
      if (entry.dir) continue;
      const file = join(taskRoot, entry.name);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, await entry.async('nodebuffer'));
    }
    const variables: Record<string, unknown> = p.Environment?.Variables ?? {};
    const environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : resolveIntrinsic(v as object)]));
    out.push({ name, functionName: p.FunctionName, handler: p.Handler, environment, timeoutSeconds: p.Timeout, memoryMb: p.MemorySize, taskRoot });
  }
  return out;
}

/**
 * One function running in a process of its own, as a Lambda execution environment: the
 * template's environment, the variables the runtime sets, and `extraEnv` (endpoints, what
 * LocalStack would inject) — nothing inherited from this process but PATH.
 *
 * @example
 * ```ts
 * const fn = await FunctionProcess.start(unpacked, { EDDY_DYNAMODB_ENDPOINT: '...' });
 * await fn.invoke(event);
 * ```
 */
export class FunctionProcess {
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 0;
  private stderr = '';

  private constructor(readonly fn: UnpackedFunction, private readonly child: ChildProcess) {}

  static async start(fn: UnpackedFunction, extraEnv: Record<string, string>): Promise<FunctionProcess> {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...fn.environment,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LAMBDA_TASK_ROOT: fn.taskRoot,
      TZ: 'UTC',
      ...extraEnv,
    };
    const child = spawn(process.execPath, [WORKER, fn.taskRoot, fn.handler], { cwd: fn.taskRoot, env, stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    const proc = new FunctionProcess(fn, child);
    child.stderr!.on('data', (d: Buffer) => (proc.stderr = (proc.stderr + d.toString()).slice(-20_000)));
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      createInterface({ input: child.stdio[3] as NodeJS.ReadableStream }).on('line', (line) => {
        const message = JSON.parse(line);
        if ('ready' in message) return message.ready ? resolveReady() : rejectReady(new Error(`${fn.name} did not load: ${message.error}`));
        const waiting = proc.pending.get(message.id);
        proc.pending.delete(message.id);
        if (message.error !== undefined) waiting?.reject(new Error(`${fn.name} failed: ${message.error}`));
        else waiting?.resolve(message.result);
      });
      child.once('exit', (code) => {
        const error = new Error(`${fn.name} exited (${code}):\n${proc.stderr}`);
        rejectReady(error);
        for (const w of proc.pending.values()) w.reject(error);
      });
    });
    await ready;
    return proc;
  }

  /** Invokes the handler with `event`; its result, or an error with the handler's. */
  invoke(event: unknown, timeoutMs = this.fn.timeoutSeconds * 1000): Promise<any> {
    const id = `${this.fn.name}-${this.next++}`;
    return new Promise((resolveInvoke, rejectInvoke) => {
      this.pending.set(id, { resolve: resolveInvoke, reject: rejectInvoke });
      this.child.stdin!.write(JSON.stringify({ id, event, timeoutMs }) + '\n');
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
