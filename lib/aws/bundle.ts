/**
 * Bundles a job's Lambda functions with esbuild: one self-contained ES module per function,
 * `<outDir>/<function>.js` beside a `package.json` saying `"type": "module"` (Lambda loads it
 * as ESM, and so does `serverless invoke local`, which never tries `.mjs`). Each bundle's entry
 * is generated here — the job module plus the handler of that one function
 * (`createStageHandler(job, '<stage>')` or `createSweepHandler(job)`) — so a project has no
 * handler file to keep in step with its plan, and a function's bundle holds only its own code.
 * The Serverless plugin (serverless-plugin.ts) calls this before every packaging, so what is
 * deployed is always the code as it is now.
 */
import { build, type Metafile } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RUNNING_FROM_SOURCE, SOURCE_CONDITION } from '../local/own-code.ts';
import { handlerName, type Plan } from '../plan/plan.ts';
import { lambdaFunctions } from '../plan/serverless.ts';

export interface BundleSize {
  job: string;
  fn: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes of the bundle that come from the AWS SDK (`@aws-sdk/*`, `@smithy/*`, `@aws-crypto/*`). */
  sdkBytes: number;
  /** Bytes that come from zod (the jobs' record schemas). */
  zodBytes: number;
  /** Median time to import the bundle in a fresh Node process (bench/bundle-sizes.ts `--load-time`). */
  loadMs?: number;
}

/**
 * The entry module of function `fn`: imports the job and exports that function's handler
 * under the function's name. `eddy/lambda` resolves from the project as the job's `eddy` does.
 *
 * @example
 * ```ts
 * functionEntry('/app/jobs/clicks.ts', plan, 'sourceClicks');
 * // import job from "/app/jobs/clicks.ts"; import { createStageHandler } from 'eddy/lambda'; export const sourceClicks = createStageHandler(job, "source-clicks");
 * ```
 */
export function functionEntry(jobFile: string, plan: Plan, fn: string): string {
  const stage = plan.stages.find((s) => handlerName(s.id) === fn);
  const make = stage ? `createStageHandler(job, ${JSON.stringify(stage.id)})` : 'createSweepHandler(job)';
  if (!stage && fn !== 'sweep') throw new Error(`job ${plan.job} has no function ${fn} (functions: ${lambdaFunctions(plan).join(', ')})`);
  return `import job from ${JSON.stringify(jobFile)};\nimport { ${stage ? 'createStageHandler' : 'createSweepHandler'} } from 'eddy/lambda';\nexport const ${fn} = ${make};\n`;
}

/**
 * Bundles every function of `plan` (whose job is the default export of `jobFile`) into
 * `outDir`, replacing what was there; returns each bundle's size.
 *
 * @example
 * ```ts
 * await bundleFunctions('/app/jobs/clicks.ts', plan, '/app/dist/clicks', '/app');
 * ```
 */
export async function bundleFunctions(jobFile: string, plan: Plan, outDir: string, projectDir: string): Promise<BundleSize[]> {
  const functions = lambdaFunctions(plan);
  mkdirSync(outDir, { recursive: true });
  // No bundle of a function the plan no longer has. The rest is replaced file by file, each
  // atomically: two builds at once (tests do that) write the same bytes and never see half a file.
  for (const f of readdirSync(outDir)) if (f.endsWith('.js') && !functions.some((fn) => f === `${fn}.js`)) rmSync(join(outDir, f), { force: true }); // not another build's .tmp files
  writeAtomically(join(outDir, 'package.json'), '{ "type": "module" }\n');
  const sizes: BundleSize[] = [];
  for (const fn of functions) {
    const outfile = join(outDir, `${fn}.js`);
    const result = await build({
      stdin: { contents: functionEntry(jobFile, plan, fn), resolveDir: projectDir, loader: 'ts', sourcefile: `${plan.job}/${fn}.ts` },
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      sourcemap: false,
      metafile: true,
      // In a checkout `eddy` is its TypeScript source (the example jobs import it as users do).
      conditions: RUNNING_FROM_SOURCE ? [SOURCE_CONDITION] : [],
      // Some dependencies still call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __eddyRequire } from 'node:module'; const require = __eddyRequire(import.meta.url);" },
      logLevel: 'warning',
      write: false,
    });
    const data = Buffer.from(result.outputFiles[0].contents);
    writeAtomically(outfile, data);
    sizes.push({ job: plan.job, fn, file: outfile, bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length, ...partBytes(result.metafile) });
  }
  return sizes;
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

function partBytes(meta: Metafile): { sdkBytes: number; zodBytes: number } {
  const parts = { sdkBytes: 0, zodBytes: 0 };
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (/node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(input)) parts.sdkBytes += bytesInOutput;
      else if (/node_modules\/zod\//.test(input)) parts.zodBytes += bytesInOutput;
    }
  }
  return parts;
}
