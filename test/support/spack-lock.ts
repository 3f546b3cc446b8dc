import { readFile, writeFile } from 'node:fs/promises';

/**
 * Concretize "again" with one dependency at another version: a spack.lock that says something
 * new (its digest is over content, not bytes), with the roots, and so the tag, unchanged.
 */
export async function changeADependency(lockFile: string): Promise<void> {
  const lock = JSON.parse(await readFile(lockFile, 'utf8')) as { roots: { hash: string }[]; concrete_specs: Record<string, { version: string }> };
  const roots = new Set(lock.roots.map((root) => root.hash));
  const dependency = Object.keys(lock.concrete_specs).find((hash) => !roots.has(hash));
  if (!dependency) throw new Error(`${lockFile} has no dependency to change`);
  lock.concrete_specs[dependency]!.version += '.1';
  await writeFile(lockFile, JSON.stringify(lock));
}
