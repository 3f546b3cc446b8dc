import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { copiedFiles } from './container-sources.js';
import { SpacktainersError, throwIfAny } from '../../errors.js';
import { COPIED_FILE_LIMIT, DEFINITION_LIMIT, InputTree, projectPaths } from './files.js';
import { ARCHITECTURES, type Architecture } from '../../settings/settings.js';
import type { ContainerDefinition, DefinitionSet } from '../../definitions/definition.js';
import { parseCustomDefinition, parseSpackDefinition } from '../../definitions/parse.js';
import { byKeys, compareCodePoints } from '../../pipeline/order.js';

export const SPACK_EXTENSIONS = ['.yaml', '.yml'];
export const CUSTOM_EXTENSION = '.def';

/**
 * Read every switched-on definition under `definitionsDir` (`<arch>/<name>.yaml`,
 * `<arch>/<name>/spack.yaml`, `<arch>/<name>.def`). `projectRoot` anchors the file names in
 * messages and the `spacktainer/files/` folder that `files` entries must exist in. All
 * problems of all files are reported together; nothing is returned if there is one.
 */
export async function readDefinitions(definitionsDir: string, projectRoot: string): Promise<DefinitionSet> {
  const display = projectPaths(projectRoot);
  const errors: SpacktainersError[] = [];
  const definitions: ContainerDefinition[] = [];
  const switchedOff: string[] = [];

  const tree = await InputTree.open(definitionsDir, display);
  const archDirs = await listDir(definitionsDir, display);
  for (const entry of archDirs) {
    const archPath = path.join(definitionsDir, entry);
    if (entry.startsWith('_')) {
      switchedOff.push(display(archPath));
      continue;
    }
    try {
      if ((await tree.kind(archPath)) !== 'directory' && isIgnorable(entry)) continue;
    } catch (error) {
      errors.push(...asInputErrors(error));
      continue;
    }
    if (!(ARCHITECTURES as readonly string[]).includes(entry)) {
      errors.push(SpacktainersError.input({ file: display(archPath) }, `unknown architecture folder (expected ${ARCHITECTURES.join(', ')})`));
      continue;
    }
    const arch = entry as Architecture;
    for (const item of await listDir(archPath, display)) {
      const itemPath = path.join(archPath, item);
      if (item.startsWith('_')) {
        switchedOff.push(display(itemPath));
        continue;
      }
      try {
        const definition = await readOne(tree, itemPath, item, arch, display);
        if (definition) definitions.push(definition);
      } catch (error) {
        errors.push(...asInputErrors(error));
      }
    }
  }

  errors.push(...(await missingFileSources(definitions, projectRoot, display)));
  errors.push(...duplicateNames(definitions));
  throwIfAny(errors);
  definitions.sort(
    byKeys(
      (d) => d.arch,
      (d) => d.name,
    ),
  );
  return { definitions, switchedOff: switchedOff.sort(compareCodePoints) };
}

async function readOne(
  tree: InputTree,
  itemPath: string,
  item: string,
  arch: Architecture,
  display: (p: string) => string,
): Promise<ContainerDefinition | undefined> {
  const read = async (file: string) => (await tree.read(file, DEFINITION_LIMIT)).toString('utf8');
  if ((await tree.kind(itemPath)) === 'directory') {
    const envFile = path.join(itemPath, 'spack.yaml');
    if ((await tree.kind(envFile)) !== 'file') {
      throw SpacktainersError.input({ file: display(itemPath) }, 'a definition folder must hold spack.yaml');
    }
    return parseSpackDefinition(display(envFile), await read(envFile), item, arch);
  }
  const extension = path.extname(item);
  const name = item.slice(0, item.length - extension.length);
  if (SPACK_EXTENSIONS.includes(extension)) {
    return parseSpackDefinition(display(itemPath), await read(itemPath), name, arch);
  }
  if (extension === CUSTOM_EXTENSION) {
    return parseCustomDefinition(display(itemPath), await read(itemPath), name, arch);
  }
  if (isIgnorable(item)) return undefined;
  throw SpacktainersError.input(
    { file: display(itemPath) },
    `not a definition: expected <name>.yaml, <name>/spack.yaml or <name>.def (prefix "_" to switch it off)`,
  );
}

/** Documentation beside definitions is allowed. */
function isIgnorable(item: string): boolean {
  return /\.(md|txt)$/i.test(item) || item === '.gitkeep';
}

async function missingFileSources(definitions: ContainerDefinition[], projectRoot: string, display: (p: string) => string): Promise<SpacktainersError[]> {
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
        errors.push(...asInputErrors(error).map((e) => SpacktainersError.input(at, `source ${display(source)} ${e.problem}`)));
      }
    }
  }
  return errors;
}

function duplicateNames(definitions: ContainerDefinition[]): SpacktainersError[] {
  const seen = new Map<string, ContainerDefinition>();
  const errors: SpacktainersError[] = [];
  for (const definition of definitions) {
    const key = `${definition.arch}/${definition.name}`;
    const first = seen.get(key);
    if (first) {
      errors.push(
        SpacktainersError.input(
          { file: definition.file, key: 'name' },
          `container "${definition.name}" is already defined for ${definition.arch} by ${first.file}`,
        ),
      );
    } else seen.set(key, definition);
  }
  return errors;
}

async function listDir(dir: string, display: (p: string) => string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort(compareCodePoints);
  } catch (error) {
    throw SpacktainersError.input({ file: display(dir) }, `cannot read definitions folder: ${(error as Error).message}`);
  }
}

function asInputErrors(error: unknown): readonly SpacktainersError[] {
  if (error instanceof SpacktainersError && error.kind === 'input') return error.problems;
  throw error;
}
