import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareCodePoints } from '../../pipeline/order.js';

/**
 * The `spack.lock` files below each folder given (code-point order), and each other path given
 * as it is: whether that one exists is for its reader to find.
 */
export async function findSpackLocks(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    found.push(...(info?.isDirectory() ? await locksBelow(given) : [given]));
  }
  return found;
}

async function locksBelow(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'spack.lock') found.push(path.join(entry.parentPath, entry.name));
  }
  return found.sort(compareCodePoints);
}
