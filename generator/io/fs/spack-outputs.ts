import { readdir } from 'node:fs/promises';
import { SpacktainersError } from '../../errors.js';
import { compareCodePoints } from '../../pipeline/order.js';
import { readTextFile, type TextFile } from './files.js';

/** What one container's generate job left in its output folder: the lock and the pipeline `spack ci generate` wrote. */
export interface SpackOutputFiles {
  name: string;
  lock: TextFile;
  pipeline: TextFile;
}

/**
 * Every container's generate output below `outputsRoot` (one folder per container; none when
 * it is absent), one at a time so that a caller parsing each meets the problems in order.
 */
export async function* readSpackOutputs(outputsRoot: string): AsyncGenerator<SpackOutputFiles> {
  const names = await readdir(outputsRoot).catch(() => [] as string[]);
  for (const name of names.sort(compareCodePoints)) {
    const lock = await readOutput(`${outputsRoot}/${name}/spack.lock`);
    const pipeline = await readOutput(`${outputsRoot}/${name}/pipeline.yml`);
    yield { name, lock, pipeline };
  }
}

async function readOutput(file: string): Promise<TextFile> {
  try {
    return await readTextFile(file);
  } catch (error) {
    throw SpacktainersError.input({ file }, `cannot read the generate job's output: ${(error as Error).message}`);
  }
}
