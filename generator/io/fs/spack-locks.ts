import { readFile } from 'node:fs/promises';
import type { DefinitionSet } from '../../definitions/definition.js';
import { spackLockDigest } from '../../provenance/package-list.js';
import type { Architecture } from '../../settings/settings.js';
import { environmentPaths } from '../../spack/environment.js';
import { parseSpackLock, type LockedEnvironment } from '../../spack/lock.js';

/**
 * The spack.lock of each Spack container of `arch` that its generate job wrote. A missing
 * lock is left out here; the caller decides whether that is an error.
 */
export async function readLocks(definitions: DefinitionSet, arch: Architecture, generatedRoot: string): Promise<Map<string, LockedEnvironment>> {
  const locks = new Map<string, LockedEnvironment>();
  for (const definition of definitions.definitions) {
    if (definition.arch !== arch || definition.kind !== 'spack') continue;
    const file = `${environmentPaths(arch, definition.name, generatedRoot).outputDir}/spack.lock`;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    locks.set(definition.name, { lock: parseSpackLock(file, text), digest: spackLockDigest(text) });
  }
  return locks;
}
