import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { compareCodePoints } from '../../pipeline/order.js';
import type { TextFile } from './files.js';

/** The `spack.lock` at `file`; a failure to read it is for the caller to name or forgive. */
export async function readSpackLock(file: string): Promise<TextFile> {
  return { file, text: await readFile(file, 'utf8') };
}

/**
 * The `spack.lock` files given directly or found anywhere below given directories, one at a
 * time so that a caller parsing each meets the problems in order. A path that yields no lock
 * is an error: an empty keep set would let the janitor delete what is in use.
 */
export async function* readSpackLocks(paths: string[]): AsyncGenerator<TextFile> {
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (!info) throw SpacktainersError.input({ file: given }, 'no such file or directory');
    const files = info.isDirectory() ? await findLocks(given) : [given];
    if (files.length === 0) throw SpacktainersError.input({ file: given }, 'no spack.lock below this directory');
    for (const file of files) yield await readSpackLock(file);
  }
}

async function findLocks(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'spack.lock') found.push(path.join(entry.parentPath, entry.name));
  }
  return found.sort(compareCodePoints);
}
