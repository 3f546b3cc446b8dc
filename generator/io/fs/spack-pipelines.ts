import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { compareCodePoints } from '../../pipeline/order.js';

/** A file as read, its bytes: a parser can decode only the parts it needs. */
export interface BytesFile {
  file: string;
  bytes: Buffer;
}

/**
 * Every `*.yml`/`*.yaml` under `dir` (recursively), each one `spack ci generate` output, read
 * one at a time as it is asked for: a stack's inputs are tens of megabytes, which a reader
 * need not hold at once. A folder that exists but holds none means an architecture without
 * Spack containers.
 */
export async function* readSpackPipelines(dir: string): AsyncGenerator<BytesFile> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw SpacktainersError.input({ file: dir }, `cannot read the input folder: ${(error as Error).message}`);
  }
  for (const entry of entries.filter((name) => /\.ya?ml$/.test(name)).sort(compareCodePoints)) {
    const file = path.join(dir, entry);
    yield { file, bytes: await readFile(file) };
  }
}
