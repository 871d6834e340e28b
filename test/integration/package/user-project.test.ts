/**
 * eddy as users get it, from a directory outside this repository: `npm pack` here, then
 * `npx eddy init demo` from the tarball, `npm install`, the scaffold's own tests (`npm test`,
 * eddy/testing) and type check, `npx eddy replay` of its job on the embedded stack (outputs
 * compared with counts worked out here from the sample input), and `npx serverless package`
 * offline — whose zips must hold bundles of the job as it is at packaging time: after an edit
 * of the job, without any build step, the next package ships the edit.
 *
 * Installs come from the npm cache when it has the packages (`--prefer-offline`), else from the
 * registry; the npx install of the tarball is removed from the npx cache afterwards.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipFiles } from '../../support/zip.ts';

const exec = promisify(execFile);
const REPO = resolve('.');
const QUIET = { NO_COLOR: '1', FORCE_COLOR: '0', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
// Nothing of this repository's environment leaks into the project's processes (npm sets npm_* for `npm test`).
const ENV = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS')), ...QUIET };

let root: string;
let tarball: string;
let demo: string;

function run(command: string, args: string[], cwd: string, timeout = 300_000) {
  return exec(command, args, { cwd, env: ENV, timeout, maxBuffer: 64 * 1024 * 1024 }).catch((error) => {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${error.stdout ?? ''}\n${error.stderr ?? ''}\n${error.message}`);
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'eddy-user-'));
  const { stdout } = await run('npm', ['pack', '--pack-destination', root, '--loglevel=error'], REPO);
  tarball = join(root, stdout.trim().split('\n').at(-1)!);
  expect(existsSync(tarball)).toBe(true);
  await run('npx', ['--yes', '--prefer-offline', '--package', tarball, 'eddy', 'init', 'demo', '--eddy', `file:${tarball}`], root);
  demo = join(root, 'demo');
  await run('npm', ['install', '--prefer-offline', '--loglevel=error'], demo, 600_000);
}, 900_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  // npx keeps what it installed for the tarball under ~/.npm/_npx/<hash>; each run's tarball path is new, so drop it.
  const npxCache = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_npx');
  for (const entry of existsSync(npxCache) ? await readdir(npxCache) : []) {
    const manifest = join(npxCache, entry, 'package.json');
    if (tarball && existsSync(manifest) && (await readFile(manifest, 'utf8')).includes(tarball)) await rm(join(npxCache, entry), { recursive: true, force: true });
  }
}, 120_000);

describe('a project made by npx eddy init, on the packed tarball', () => {
  it('ships compiled JavaScript with type declarations and no TypeScript source of eddy', async () => {
    const pkg = join(demo, 'node_modules', 'eddy');
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8'));
    expect(manifest.exports['.'].default).toBe('./build/lib/api/index.js');
    for (const entry of ['.', './testing', './lambda']) {
      expect(existsSync(join(pkg, manifest.exports[entry].default)), entry).toBe(true);
      expect(existsSync(join(pkg, manifest.exports[entry].types)), entry).toBe(true);
    }
    expect(existsSync(join(pkg, 'lib'))).toBe(false);
    expect(existsSync(join(demo, 'node_modules', '.bin', 'eddy'))).toBe(true);
  });

  it('has the scaffold: job, its test, sample input, serverless.yml, README, .gitignore', async () => {
    const files = (await readdir(demo, { recursive: true })).filter((f) => !f.startsWith('node_modules')).sort();
    expect(files).toEqual(expect.arrayContaining(['.gitignore', 'README.md', 'events/clicks.jsonl', 'jobs/page-views.test.ts', 'jobs/page-views.ts', 'package.json', 'serverless.yml']));
    const manifest = JSON.parse(await readFile(join(demo, 'package.json'), 'utf8'));
    expect(manifest.dependencies.eddy).toBe(`file:${tarball}`);
    const readme = await readFile(join(demo, 'README.md'), 'utf8');
    expect(readme).toContain('npx eddy replay jobs/page-views.ts --input clicks=events/clicks.jsonl --out out');
    expect(readme).toContain('npm test');
  });

  it('passes its own tests (npm test, with eddy/testing) and type-checks', async () => {
    const { stdout } = await run('npm', ['test'], demo);
    expect(stdout).toMatch(/Tests\s+4 passed \(4\)/);
    await run('npm', ['run', 'typecheck'], demo);
  }, 300_000);

  it('replays its job with npx eddy replay: a count per user and minute, the malformed line dead-lettered', async () => {
    const { stderr } = await run('npx', ['eddy', 'replay', 'jobs/page-views.ts', '--input', 'clicks=events/clicks.jsonl', '--out', 'out'], demo);
    expect(stderr).toMatch(/page-views=\d+ dead-letter=1 late=0/);
    const lines = (await readFile(join(demo, 'events/clicks.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const counts = new Map<string, number>();
    let malformed = 0;
    for (const line of lines) {
      let click: { userId: string; ts: number };
      try {
        click = JSON.parse(line);
      } catch {
        malformed++;
        continue;
      }
      const start = click.ts - (click.ts % 60_000);
      counts.set(`${click.userId} ${start}`, (counts.get(`${click.userId} ${start}`) ?? 0) + 1);
    }
    const expected = [...counts].map(([id, views]) => {
      const [userId, start] = id.split(' ');
      return { userId, windowStart: Number(start), windowEnd: Number(start) + 60_000, views };
    });
    const got = (await readFile(join(demo, 'out/page-views.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const order = (a: any, b: any) => a.userId.localeCompare(b.userId) || a.windowStart - b.windowStart;
    expect(got.sort(order)).toEqual(expected.sort(order));
    expect(malformed).toBe(1);
    expect((await readFile(join(demo, 'out/dead-letter.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);
  }, 300_000);

  it('packages offline with npx serverless package, bundling the job as it is now', async () => {
    const pkgDir = join(root, 'package-1');
    const { stdout, stderr } = await run('npx', ['serverless', 'package', '--package', pkgDir], demo);
    expect(stdout + stderr).toContain('eddy: bundled sourceClicks, viewsPerMinute, sweep of job page-views');
    const template = JSON.parse(await readFile(join(pkgDir, 'cloudformation-template-update-stack.json'), 'utf8'));
    const handlers = Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties.Handler).sort();
    expect(handlers).toEqual(['dist/page-views/sourceClicks.sourceClicks', 'dist/page-views/sweep.sweep', 'dist/page-views/viewsPerMinute.viewsPerMinute']);
    const zipped = await zipFiles(join(pkgDir, 'viewsPerMinute.zip'));
    expect(Object.keys(zipped).sort()).toEqual(['dist/page-views/package.json', 'dist/page-views/viewsPerMinute.js']);
    expect(zipped['dist/page-views/viewsPerMinute.js']).toContain('"page-views"');

    // Edit the job (its sink is renamed) and package again, with no build step in between.
    const jobFile = join(demo, 'jobs/page-views.ts');
    await writeFile(jobFile, (await readFile(jobFile, 'utf8')).replace("KinesisSink.json('page-views'", "KinesisSink.json('views-by-minute'"));
    const pkgDir2 = join(root, 'package-2');
    await run('npx', ['serverless', 'package', '--package', pkgDir2], demo);
    const fresh = (await zipFiles(join(pkgDir2, 'viewsPerMinute.zip')))['dist/page-views/viewsPerMinute.js'];
    expect(fresh).toContain('"views-by-minute"');
    expect(fresh).not.toContain('"page-views",{partitionKey');
    const streams = Object.values(JSON.parse(await readFile(join(pkgDir2, 'cloudformation-template-update-stack.json'), 'utf8')).Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::Kinesis::Stream').map((r) => r.Properties.Name);
    expect(streams).toContain('page-views-sink-views-by-minute');
    expect(streams).not.toContain('page-views-sink-page-views');
  }, 300_000);
});
