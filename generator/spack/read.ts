import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../input/errors.js';
import { parseSpackPipeline, type SpackPipeline } from './spack-pipeline.js';

/** Every `*.yml`/`*.yaml` under `dir` (recursively), parsed as one `spack ci generate` output. */
export async function readSpackPipelines(dir: string): Promise<SpackPipeline[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw new InputError({ file: dir }, `cannot read the input folder: ${(error as Error).message}`);
  }
  const files = entries.filter((entry) => /\.ya?ml$/.test(entry)).sort();
  if (files.length === 0) throw new InputError({ file: dir }, 'no *.yml or *.yaml spack ci generate output in this folder');
  return Promise.all(
    files.map(async (entry) => {
      const file = path.join(dir, entry);
      return parseSpackPipeline(file, await readFile(file, 'utf8'));
    }),
  );
}
