import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DefinitionSet } from '../../definitions/definition.js';
import { environmentPaths } from '../../spack/environment.js';

/**
 * Stand in for the root's generate jobs, which need Spack and a runner: copy the bundled real
 * `spack ci generate` outputs (examples/spack-outputs/<arch>/<name>/) to where those jobs
 * write theirs, for every definition that has one. Returns the `<arch>/<name>` copied.
 */
export async function copyExampleOutputs(definitions: DefinitionSet, examplesDir: string, generatedRoot: string): Promise<string[]> {
  const copied: string[] = [];
  for (const definition of definitions.definitions) {
    if (definition.kind !== 'spack') continue;
    const source = path.join(examplesDir, definition.arch, definition.name);
    const files = await readdir(source).catch(() => undefined);
    if (!files) continue;
    const { outputDir, environmentDir } = environmentPaths(definition.arch, definition.name, generatedRoot);
    await cp(source, outputDir, { recursive: true });
    await cp(path.join(source, 'spack.lock'), path.join(environmentDir, 'spack.lock'));
    copied.push(`${definition.arch}/${definition.name}`);
  }
  return copied;
}
