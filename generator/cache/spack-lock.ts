import type { SpackLock } from '../spack/lock.js';

/** Every hash in the locks and every hash they depend on (a lock lists its whole DAG, but be sure). */
export function keepSetOf(locks: SpackLock[]): Set<string> {
  const keep = new Set<string>();
  for (const lock of locks) {
    for (const [hash, spec] of lock.specs) {
      keep.add(hash);
      for (const dependency of spec.dependencies) keep.add(dependency.hash);
    }
  }
  return keep;
}
