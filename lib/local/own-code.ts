/**
 * Which form of eddy is running: its TypeScript source (a checkout of the repository, run
 * through tsx) or the compiled JavaScript of the installed package (`build/`). Child
 * processes and bundles must take the same form (bin/eddy-runtime.mjs decides it for the entry
 * points the same way).
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `.ts` in a checkout, `.js` in the installed package. */
export const OWN_EXTENSION = extname(fileURLToPath(import.meta.url));

/** True when eddy runs from its TypeScript source (a checkout of the repository). */
export const RUNNING_FROM_SOURCE = OWN_EXTENSION === '.ts';

/**
 * The package export condition under which `eddy` resolves to its TypeScript source
 * (package.json "exports"; tsconfig.json and vitest.config.ts name it too). A bundle of an
 * example job built in a checkout must resolve `eddy` with it, or it would look for `build/`.
 */
export const SOURCE_CONDITION = 'eddy:source';

/** The root of the eddy package (where package.json, bin/ and templates/ are), in either form. */
export const PACKAGE_ROOT = fileURLToPath(new URL(RUNNING_FROM_SOURCE ? '../..' : '../../..', import.meta.url));
