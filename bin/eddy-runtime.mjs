// Where eddy's own code is, for its entry points (the CLI, the Serverless plugin, run-ts): the
// TypeScript source in a checkout of the repository, the compiled JavaScript (build/) in an
// installed package. Either way tsx is registered, so that users' jobs may be TypeScript.
//
// In a checkout, the repository's example jobs import `eddy` as users do; the package's
// "exports" map that to the source under the `eddy:source` condition, which a resolve hook
// adds here (tsconfig.json's customConditions and vitest.config.ts say the same).
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

const ROOT = new URL('..', import.meta.url);

/** True in a checkout of the repository (the TypeScript source is there), false in an installed package. */
export const fromSource = existsSync(new URL('lib/cli/main.ts', ROOT));

/** The export condition that maps `eddy` to its TypeScript source (lib/local/own-code.ts). */
const SOURCE_CONDITION = 'eddy:source';

let ready = false;

/** Registers tsx (and, in a checkout, the source condition) once per process. */
export function setUpRuntime() {
  if (ready) return;
  ready = true;
  // The machine runs Node 20 on purpose (Lambda nodejs20.x); the SDK's notice about Node 22 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  registerTsx();
  if (fromSource) {
    const hook = `export async function resolve(specifier, context, next) {
      return next(specifier, context.conditions.includes(${JSON.stringify(SOURCE_CONDITION)}) ? context : { ...context, conditions: [...context.conditions, ${JSON.stringify(SOURCE_CONDITION)}] });
    }`;
    registerHooks(`data:text/javascript,${encodeURIComponent(hook)}`);
  }
}

/**
 * Imports one of eddy's modules by its path under the package without extension
 * (`lib/cli/main`): the source in a checkout, the build in an installed package.
 */
export async function importEddy(path) {
  setUpRuntime();
  return import(new URL(fromSource ? `${path}.ts` : `build/${path}.js`, ROOT).href);
}
