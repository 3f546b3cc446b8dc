import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, InputErrors, throwIfAny } from '../input/errors.js';
import { ARCHITECTURES, type Architecture } from '../settings/settings.js';
import type { ContainerDefinition, DefinitionSet } from './definition.js';
import { parseCustomDefinition, parseSpackDefinition } from './parse.js';
import { byKeys, compareCodePoints } from '../pipeline/order.js';

export const SPACK_EXTENSIONS = ['.yaml', '.yml'];
export const CUSTOM_EXTENSION = '.def';

/**
 * Read every switched-on definition under `definitionsDir` (`<arch>/<name>.yaml`,
 * `<arch>/<name>/spack.yaml`, `<arch>/<name>.def`). `projectRoot` anchors the file names in
 * messages and the `spacktainer/files/` folder that `files` entries must exist in. All
 * problems of all files are reported together; nothing is returned if there is one.
 */
export async function readDefinitions(definitionsDir: string, projectRoot: string): Promise<DefinitionSet> {
  const display = (p: string) => path.relative(projectRoot, p).split(path.sep).join('/') || '.';
  const errors: InputError[] = [];
  const definitions: ContainerDefinition[] = [];
  const switchedOff: string[] = [];

  const archDirs = await listDir(definitionsDir, display);
  for (const entry of archDirs) {
    const archPath = path.join(definitionsDir, entry);
    if (entry.startsWith('_')) {
      switchedOff.push(display(archPath));
      continue;
    }
    if (!(await isDirectory(archPath)) && isIgnorable(entry)) continue;
    if (!(ARCHITECTURES as readonly string[]).includes(entry)) {
      errors.push(new InputError({ file: display(archPath) }, `unknown architecture folder (expected ${ARCHITECTURES.join(', ')})`));
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
        const definition = await readOne(itemPath, item, arch, display);
        if (definition) definitions.push(definition);
      } catch (error) {
        errors.push(...asInputErrors(error));
      }
    }
  }

  errors.push(...(await missingFileSources(definitions, projectRoot, display)));
  errors.push(...duplicateNames(definitions));
  throwIfAny(errors);
  definitions.sort(byKeys((d) => d.arch, (d) => d.name));
  return { definitions, switchedOff: switchedOff.sort(compareCodePoints) };
}

async function readOne(
  itemPath: string,
  item: string,
  arch: Architecture,
  display: (p: string) => string,
): Promise<ContainerDefinition | undefined> {
  if (await isDirectory(itemPath)) {
    const envFile = path.join(itemPath, 'spack.yaml');
    const content = await readFile(envFile, 'utf8').catch(() => {
      throw new InputError({ file: display(itemPath) }, 'a definition folder must hold spack.yaml');
    });
    return parseSpackDefinition(display(envFile), content, item, arch);
  }
  const extension = path.extname(item);
  const name = item.slice(0, item.length - extension.length);
  if (SPACK_EXTENSIONS.includes(extension)) {
    return parseSpackDefinition(display(itemPath), await readFile(itemPath, 'utf8'), name, arch);
  }
  if (extension === CUSTOM_EXTENSION) {
    return parseCustomDefinition(display(itemPath), await readFile(itemPath, 'utf8'), name, arch);
  }
  if (isIgnorable(item)) return undefined;
  throw new InputError(
    { file: display(itemPath) },
    `not a definition: expected <name>.yaml, <name>/spack.yaml or <name>.def (prefix "_" to switch it off)`,
  );
}

/** Documentation beside definitions is allowed. */
function isIgnorable(item: string): boolean {
  return /\.(md|txt)$/i.test(item) || item === '.gitkeep';
}

async function missingFileSources(
  definitions: ContainerDefinition[],
  projectRoot: string,
  display: (p: string) => string,
): Promise<InputError[]> {
  const errors: InputError[] = [];
  for (const definition of definitions) {
    if (definition.kind !== 'spack') continue;
    for (const [index, copy] of definition.files.entries()) {
      const source = path.join(projectRoot, 'spacktainer', 'files', copy.source);
      if (!(await stat(source).catch(() => undefined))?.isFile()) {
        errors.push(
          new InputError(
            { file: definition.file, key: `spacktainer.files.${index}` },
            `source ${display(source)} does not exist (files are copied from spacktainer/files/)`,
          ),
        );
      }
    }
  }
  return errors;
}

function duplicateNames(definitions: ContainerDefinition[]): InputError[] {
  const seen = new Map<string, ContainerDefinition>();
  const errors: InputError[] = [];
  for (const definition of definitions) {
    const key = `${definition.arch}/${definition.name}`;
    const first = seen.get(key);
    if (first) {
      errors.push(
        new InputError(
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
    throw new InputError({ file: display(dir) }, `cannot read definitions folder: ${(error as Error).message}`);
  }
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p)).isDirectory();
}

function asInputErrors(error: unknown): InputError[] {
  if (error instanceof InputError) return [error];
  if (error instanceof InputErrors) return error.errors;
  throw error;
}
