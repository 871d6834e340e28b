/**
 * The `// runnable` blocks of a docs page as modules: every ```ts block whose first line is
 * `// runnable` is written to a file inside the package (so that `eddy` resolves as it
 * does for users, through package.json "exports"), imported, and type-checked on demand with
 * the repository's compiler options. Used by the docs-snippets tests of each page.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { Job } from '../../../lib/api/index.ts';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface DocSnippets {
  /** The module files, in page order. */
  files: string[];
  /** Default exports that are jobs, by job name. */
  jobs: Map<string, Job>;
  remove(): Promise<void>;
}

/** Writes and imports the runnable blocks of `page` (a path relative to the repository). */
export async function loadRunnableSnippets(page: string): Promise<DocSnippets> {
  const text = await readFile(join(repoRoot, page), 'utf8');
  const snippets = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.split('\n')[0].trim() === '// runnable');
  await mkdir(join(repoRoot, 'test/.tmp'), { recursive: true });
  const dir = await mkdtemp(join(repoRoot, 'test/.tmp', `docs-${page.replace(/\W+/g, '-')}-`));
  const files: string[] = [];
  for (const [i, code] of snippets.entries()) {
    const file = join(dir, `snippet-${i + 1}.ts`);
    await writeFile(file, code);
    files.push(file);
  }
  const jobs = new Map<string, Job>();
  for (const file of files) {
    const mod = await import(pathToFileURL(file).href);
    if (mod.default instanceof Job) jobs.set(mod.default.name, mod.default);
  }
  return { files, jobs, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The compiler's diagnostics for `files` under tsconfig.json (empty when they type-check). */
export function typeCheck(files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(repoRoot, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const program = ts.createProgram(files, config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}
