import { stat } from 'node:fs/promises';
import { filesNamed } from './files.js';

/**
 * The `spack.lock` files below each folder given (code-point order), and each other path given
 * as it is: whether that one exists is for its reader to find.
 */
export async function findSpackLocks(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    found.push(...(info?.isDirectory() ? await filesNamed(given, 'spack.lock') : [given]));
  }
  return found;
}
