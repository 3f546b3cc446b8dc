import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { compareCodePoints } from '../../pipeline/order.js';
import type { TextFile } from './files.js';

/** One `spack ci generate` output; a failure to read it is for the caller to name. */
export async function readSpackPipeline(file: string): Promise<TextFile> {
  return { file, text: await readFile(file, 'utf8') };
}

/**
 * Every `*.yml`/`*.yaml` under `dir` (recursively), each one `spack ci generate` output.
 * A folder that exists but holds none means an architecture without Spack containers.
 */
export async function readSpackPipelines(dir: string): Promise<TextFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw SpacktainersError.input({ file: dir }, `cannot read the input folder: ${(error as Error).message}`);
  }
  const files = entries.filter((entry) => /\.ya?ml$/.test(entry)).sort(compareCodePoints);
  return Promise.all(files.map((entry) => readSpackPipeline(path.join(dir, entry))));
}
