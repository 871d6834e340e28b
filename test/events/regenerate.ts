/**
 * Regenerates the sample events of this folder with `eddy event`, from manifest.json:
 * `node bin/run-ts.mjs test/events/regenerate.ts` (test/events/events.test.ts checks that the
 * committed files are what this writes).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One sample event: `eddy event <job> <stage> --input <input> --out <out> [--<option> <value>]`. */
export interface SampleEvent {
  job: string;
  stage: string;
  input: string;
  out: string;
  options?: Record<string, string | true>;
}

export const EVENTS_DIR = 'test/events';

export function manifest(): SampleEvent[] {
  return JSON.parse(readFileSync(join(EVENTS_DIR, 'manifest.json'), 'utf8')) as SampleEvent[];
}

/** The `eddy` arguments that write one sample event (to `out`, default its place in this folder). */
export function eventArgs(e: SampleEvent, out = join(EVENTS_DIR, e.out)): string[] {
  const options = Object.entries(e.options ?? {}).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, v]));
  return ['event', e.job, e.stage, '--input', join(EVENTS_DIR, e.input), '--out', out, ...options];
}

if (process.argv[1]?.endsWith('regenerate.ts')) {
  // Without EDDY_RESOURCE_PREFIX / AWS_REGION: the ARNs name the plain streams in us-east-1.
  const env = { ...process.env };
  delete env.EDDY_RESOURCE_PREFIX;
  delete env.AWS_REGION;
  delete env.AWS_DEFAULT_REGION;
  for (const e of manifest()) execFileSync(process.execPath, ['bin/eddy.mjs', ...eventArgs(e)], { stdio: 'inherit', env });
}
