import path from 'node:path';
import type { DefinitionSet } from '../definitions/definition.js';
import { writeExampleOutputs } from '../io/fs/example-outputs.js';
import { environmentPaths } from '../spack/environment.js';

/**
 * Stand in for the root's generate jobs, which need Spack and a runner: copy the bundled real
 * `spack ci generate` outputs (examples/spack-outputs/<arch>/<name>/) to where those jobs
 * write theirs, for every definition that has one. Returns the `<arch>/<name>` copied.
 */
export async function copyExampleOutputs(definitions: DefinitionSet, examplesDir: string, generatedRoot: string): Promise<string[]> {
  return writeExampleOutputs(
    definitions.definitions
      .filter((definition) => definition.kind === 'spack')
      .map(({ arch, name }) => ({
        container: `${arch}/${name}`,
        source: path.join(examplesDir, arch, name),
        paths: environmentPaths(arch, name, generatedRoot),
      })),
  );
}
