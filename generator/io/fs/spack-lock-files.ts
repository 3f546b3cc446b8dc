import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { parseSpackLock, type SpackLock } from '../../spack/lock.js';
import { compareCodePoints } from '../../pipeline/order.js';

/**
 * Read `spack.lock` files given directly or found anywhere below given directories. A path that
 * yields no lock is an error: an empty keep set would let the janitor delete what is in use.
 */
export async function readSpackLocks(paths: string[]): Promise<SpackLock[]> {
  const locks: SpackLock[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (!info) throw SpacktainersError.input({ file: given }, 'no such file or directory');
    const files = info.isDirectory() ? await findLocks(given) : [given];
    if (files.length === 0) throw SpacktainersError.input({ file: given }, 'no spack.lock below this directory');
    for (const file of files) locks.push(parseSpackLock(file, await readFile(file, 'utf8')));
  }
  return locks;
}

async function findLocks(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'spack.lock') found.push(path.join(entry.parentPath, entry.name));
  }
  return found.sort(compareCodePoints);
}
