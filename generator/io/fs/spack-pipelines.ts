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
 * one at a time as it is asked for (and the next one meanwhile): a stack's inputs are tens of
 * megabytes, which a reader need not hold at once. A folder that exists but holds none means an
 * architecture without Spack containers.
 */
export async function* readSpackPipelines(dir: string): AsyncGenerator<BytesFile> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw SpacktainersError.input({ file: dir }, `cannot read the input folder: ${(error as Error).message}`);
  }
  const files = entries
    .filter((name) => /\.ya?ml$/.test(name))
    .sort(compareCodePoints)
    .map((entry) => path.join(dir, entry));
  const read = (file: string): Promise<BytesFile> => {
    const reading = readFile(file).then((bytes) => ({ file, bytes }));
    // Awaited on the next turn; until then a failure must not count as unhandled.
    reading.catch(() => undefined);
    return reading;
  };
  // The next file is read while the caller parses this one.
  let next = files.length > 0 ? read(files[0]!) : undefined;
  for (let index = 0; next !== undefined; index++) {
    const current = await next;
    next = index + 1 < files.length ? read(files[index + 1]!) : undefined;
    yield current;
  }
}
