import path from 'node:path';
import type { ContainerDefinition, DefinitionSet } from '../../definitions/definition.js';
import { SpacktainersError } from '../../errors.js';
import { COPIED_FILE_LIMIT, DEFINITION_LIMIT, InputTree, projectPaths, readRegularFile } from './files.js';
import type { Architecture } from '../../settings/settings.js';
import type { ContainerSources } from '../../containers/identity.js';

/** The folder `spacktainer: files:` sources are copied from, read as an input tree. */
async function copiedFiles(projectRoot: string, display = projectPaths(projectRoot)) {
  const root = path.join(projectRoot, 'spacktainer', 'files');
  return { tree: await InputTree.open(root, display), path: (source: string) => path.join(root, source) };
}

/** A problem for each `files` entry of the definitions whose source is missing or may not be read. */
export async function checkCopiedFiles(definitions: ContainerDefinition[], projectRoot: string): Promise<SpacktainersError[]> {
  const display = projectPaths(projectRoot);
  const files = await copiedFiles(projectRoot, display);
  const errors: SpacktainersError[] = [];
  for (const definition of definitions) {
    if (definition.kind !== 'spack') continue;
    for (const [index, copy] of definition.files.entries()) {
      const at = { file: definition.file, key: `spacktainer.files.${index}` };
      const source = files.path(copy.source);
      try {
        if (!(await files.tree.checkFile(source, COPIED_FILE_LIMIT))) {
          errors.push(SpacktainersError.input(at, `source ${display(source)} does not exist (files are copied from spacktainer/files/)`));
        }
      } catch (error) {
        if (!(error instanceof SpacktainersError && error.kind === 'input')) throw error;
        errors.push(...error.problems.map((each) => SpacktainersError.input(at, `source ${display(source)} ${each.problem}`)));
      }
    }
  }
  return errors;
}

/** The definition file and every copied file of each Spack container of `arch`, for the container checksum. */
export async function readContainerSources(projectRoot: string, definitions: DefinitionSet, arch: Architecture): Promise<Map<string, ContainerSources>> {
  const files = await copiedFiles(projectRoot);
  const sources = new Map<string, ContainerSources>();
  for (const definition of definitions.definitions) {
    if (definition.arch !== arch || definition.kind !== 'spack') continue;
    const copied = await Promise.all(
      definition.files.map(async ({ source }) => ({ source, content: await files.tree.read(files.path(source), COPIED_FILE_LIMIT) })),
    );
    // Where it may be read from was checked when the definitions were read.
    const content = await readRegularFile(path.join(projectRoot, definition.file), DEFINITION_LIMIT, definition.file);
    sources.set(definition.name, { definition: content, files: copied });
  }
  return sources;
}
