/** Reading the zips `serverless package` writes (jszip), for the deploy tests. */
import { readFile } from 'node:fs/promises';
import JSZip from 'jszip';

/**
 * The files of a zip archive by name, their contents as text.
 *
 * @example
 * ```ts
 * const files = await zipFiles('.serverless/sweep.zip'); // { 'dist/job/sweep.js': '...', ... }
 * ```
 */
export async function zipFiles(file: string): Promise<Record<string, string>> {
  const zip = await JSZip.loadAsync(await readFile(file));
  const out: Record<string, string> = {};
  for (const entry of Object.values(zip.files)) if (!entry.dir) out[entry.name] = await entry.async('string');
  return out;
}
