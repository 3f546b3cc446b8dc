import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../input/errors.js';
import { dependencyHashes, type SpecNode } from './spack-index.js';

/** What the janitor needs from a `spack.lock`: every concrete spec and its dependency edges. */
export interface SpackLock {
  file: string;
  specs: Map<string, SpecNode>;
}

export function parseSpackLock(file: string, text: string): SpackLock {
  let parsed: { _meta?: { 'file-type'?: unknown }; concrete_specs?: Record<string, SpecNode> };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError({ file }, `not a JSON file (${(error as Error).message})`);
  }
  if (parsed?._meta?.['file-type'] !== 'spack-lockfile') {
    throw new InputError({ file, key: '_meta.file-type' }, 'not a Spack lock file (expected "spack-lockfile")');
  }
  if (typeof parsed.concrete_specs !== 'object' || parsed.concrete_specs === null) {
    throw new InputError({ file, key: 'concrete_specs' }, 'missing: a lock file lists its concrete specs');
  }
  return { file, specs: new Map(Object.entries(parsed.concrete_specs)) };
}

/** Every hash in the locks and every hash they depend on (a lock lists its whole DAG, but be sure). */
export function keepSetOf(locks: SpackLock[]): Set<string> {
  const keep = new Set<string>();
  for (const lock of locks) {
    for (const [hash, spec] of lock.specs) {
      keep.add(hash);
      for (const dependency of dependencyHashes(spec)) keep.add(dependency);
    }
  }
  return keep;
}

/**
 * Read `spack.lock` files given directly or found anywhere below given directories. A path that
 * yields no lock is an error: an empty keep set would let the janitor delete what is in use.
 */
export async function readSpackLocks(paths: string[]): Promise<SpackLock[]> {
  const locks: SpackLock[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (!info) throw new InputError({ file: given }, 'no such file or directory');
    const files = info.isDirectory() ? await findLocks(given) : [given];
    if (files.length === 0) throw new InputError({ file: given }, 'no spack.lock below this directory');
    for (const file of files) locks.push(parseSpackLock(file, await readFile(file, 'utf8')));
  }
  return locks;
}

async function findLocks(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'spack.lock') found.push(path.join(entry.parentPath, entry.name));
  }
  return found.sort();
}
