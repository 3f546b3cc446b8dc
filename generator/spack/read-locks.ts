import { readFile } from 'node:fs/promises';
import type { DefinitionSet } from '../definitions/definition.js';
import type { Architecture } from '../settings/settings.js';
import { environmentPaths } from './environment.js';
import { parseSpackLock, type SpackLock } from './lock.js';

/**
 * The spack.lock of each Spack container of `arch` that its generate job wrote. A missing
 * lock is left out here; the caller decides whether that is an error.
 */
export async function readLocks(
  definitions: DefinitionSet,
  arch: Architecture,
  generatedRoot: string,
): Promise<Map<string, SpackLock>> {
  const locks = new Map<string, SpackLock>();
  for (const definition of definitions.definitions) {
    if (definition.arch !== arch || definition.kind !== 'spack') continue;
    const file = `${environmentPaths(arch, definition.name, generatedRoot).outputDir}/spack.lock`;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) locks.set(definition.name, parseSpackLock(file, text));
  }
  return locks;
}
