/**
 * `eddy init <dir>`: a new project of the user's own, depending on eddy — an example job, its
 * tests with `eddy/testing`, a sample input, serverless.yml wired to eddy's plugin, a README
 * with the commands, `.gitignore` (templates/project, shipped in the package).
 */
import { existsSync, readdirSync } from 'node:fs';
import { cp, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../local/own-code.ts';

export interface InitOptions {
  /** The dependency spec of eddy in the new package.json (default `^<this version>`; a tarball: `file:/path/eddy-0.1.0.tgz`). */
  eddy?: string;
}

/** Template files whose names npm would not ship as they are. */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore' };
/** Files whose `{{placeholders}}` are filled in. */
const FILLED = new Set(['package.json', 'serverless.yml', 'README.md']);

/**
 * Writes the project into `dir` (which must not exist or be empty) and returns the files written.
 *
 * @example
 * ```ts
 * await initCommand('demo', { eddy: 'file:../eddy-0.1.0.tgz' }); // ['.gitignore', 'README.md', 'events/clicks.jsonl', ...]
 * ```
 */
export async function initCommand(dir: string, options: InitOptions = {}): Promise<string[]> {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) throw new Error(`${dir} is not empty: eddy init writes a new project into a new or empty directory`);
  const own = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  const name = packageName(basename(target));
  // The versions this eddy is built and tested with (its own dependencies), so the project resolves the same.
  const versions: Record<string, string> = { ...own.devDependencies, ...own.dependencies };
  const values: Record<string, string> = {
    name,
    eddy: options.eddy ?? `^${own.version}`,
    zod: versions.zod,
    typesNode: versions['@types/node'],
    serverless: versions.serverless,
    serverlessLocalstack: versions['serverless-localstack'],
    typescript: versions.typescript,
    vitest: versions.vitest,
  };
  await cp(join(PACKAGE_ROOT, 'templates', 'project'), target, { recursive: true });
  const written: string[] = [];
  for (const file of await readdir(target, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    let path = join(file.parentPath, file.name);
    if (RENAMED[file.name]) {
      const renamed = join(file.parentPath, RENAMED[file.name]);
      await rename(path, renamed);
      path = renamed;
    }
    if (FILLED.has(file.name)) await writeFile(path, fill(await readFile(path, 'utf8'), values));
    written.push(relative(target, path));
  }
  return written.sort();
}

/** `{{key}}` → its value; a placeholder without a value is a bug in the template. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (values[key] === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return values[key];
  });
}

/** A valid npm package name from a directory name. */
function packageName(dir: string): string {
  const name = dir.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return name || 'eddy-project';
}
