/**
 * Bundles every job's Lambda entry points (`functions/<job>/handler.ts`) with esbuild into
 * `dist/<job>/handler.mjs`, one self-contained file per job, and prints the bundle sizes.
 */
import { build } from 'esbuild';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const jobs = readdirSync('functions').filter((d) => existsSync(join('functions', d, 'handler.ts')));
for (const job of jobs) {
  const outfile = join('dist', job, 'handler.mjs');
  await build({
    entryPoints: [join('functions', job, 'handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: false,
    // Some dependencies still call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __eddyRequire } from 'node:module'; const require = __eddyRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
}
