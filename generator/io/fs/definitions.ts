import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { DEFINITION_LIMIT, InputTree, projectPaths } from './files.js';
import type { Architecture } from '../../settings/settings.js';
import type { DefinitionText } from '../../definitions/definition.js';
import { compareCodePoints } from '../../pipeline/order.js';

const SPACK_EXTENSIONS = ['.yaml', '.yml'];
const CUSTOM_EXTENSION = '.def';

/** What the definitions folder holds: each definition file, or the problem with an entry, in code-point order. */
export interface DefinitionFiles {
  entries: (DefinitionText | SpacktainersError)[];
  /** Files and folders skipped because their name starts with `_`. */
  switchedOff: string[];
}

/**
 * Read every switched-on definition file under `definitionsDir` (`<arch>/<name>.yaml`,
 * `<arch>/<name>/spack.yaml`, `<arch>/<name>.def`) in the folders named by `architectures`.
 * `projectRoot` anchors the file names in messages. A problem with one entry is kept in its
 * place among the files, so that all of them can be reported together.
 */
export async function readDefinitions(definitionsDir: string, projectRoot: string, architectures: readonly Architecture[]): Promise<DefinitionFiles> {
  const display = projectPaths(projectRoot);
  const entries: (DefinitionText | SpacktainersError)[] = [];
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
      entries.push(keepInputProblem(error));
      continue;
    }
    if (!architectures.includes(entry)) {
      const problem = `not an architecture of the settings (${architectures.join(', ')}): add it under \`architectures:\`, or switch the folder off with a leading _`;
      entries.push(SpacktainersError.input({ file: display(archPath) }, problem));
      continue;
    }
    const arch = entry;
    for (const item of await listDir(archPath, display)) {
      const itemPath = path.join(archPath, item);
      if (item.startsWith('_')) {
        switchedOff.push(display(itemPath));
        continue;
      }
      try {
        const definition = await readOne(tree, itemPath, item, arch, display);
        if (definition) entries.push(definition);
      } catch (error) {
        entries.push(keepInputProblem(error));
      }
    }
  }
  return { entries, switchedOff };
}

async function readOne(
  tree: InputTree,
  itemPath: string,
  item: string,
  arch: Architecture,
  display: (p: string) => string,
): Promise<DefinitionText | undefined> {
  const read = async (file: string) => (await tree.read(file, DEFINITION_LIMIT)).toString('utf8');
  if ((await tree.kind(itemPath)) === 'directory') {
    const envFile = path.join(itemPath, 'spack.yaml');
    if ((await tree.kind(envFile)) !== 'file') {
      throw SpacktainersError.input({ file: display(itemPath) }, 'a definition folder must hold spack.yaml');
    }
    return { kind: 'spack', name: item, arch, file: display(envFile), text: await read(envFile) };
  }
  const extension = path.extname(item);
  const name = item.slice(0, item.length - extension.length);
  if (SPACK_EXTENSIONS.includes(extension)) {
    return { kind: 'spack', name, arch, file: display(itemPath), text: await read(itemPath) };
  }
  if (extension === CUSTOM_EXTENSION) {
    return { kind: 'custom', name, arch, file: display(itemPath), text: await read(itemPath) };
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

async function listDir(dir: string, display: (p: string) => string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort(compareCodePoints);
  } catch (error) {
    throw SpacktainersError.input({ file: display(dir) }, `cannot read definitions folder: ${(error as Error).message}`);
  }
}

/** An input problem, kept to be reported with the others; anything else is thrown on. */
function keepInputProblem(error: unknown): SpacktainersError {
  if (error instanceof SpacktainersError && error.kind === 'input') return error;
  throw error;
}
