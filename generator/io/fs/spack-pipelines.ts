import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { compareCodePoints } from '../../pipeline/order.js';
import { readTextFile, type TextFile } from './files.js';

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
  return Promise.all(files.map((entry) => readTextFile(path.join(dir, entry))));
}
