import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DefinitionSet } from '../definitions/definition.js';
import type { Architecture } from '../settings/settings.js';
import type { ContainerSources } from './container-pipeline.js';

/**
 * The definition file and every copied file (a folder counts with all its files) of each
 * Spack container of `arch`, for the container checksum.
 */
export async function readContainerSources(
  projectRoot: string,
  definitions: DefinitionSet,
  arch: Architecture,
): Promise<Map<string, ContainerSources>> {
  const filesRoot = path.join(projectRoot, 'spacktainer', 'files');
  const sources = new Map<string, ContainerSources>();
  for (const definition of definitions.definitions) {
    if (definition.arch !== arch || definition.kind !== 'spack') continue;
    const files = (await Promise.all(definition.files.map((copy) => readTree(filesRoot, copy.source)))).flat();
    sources.set(definition.name, { definition: await readFile(path.join(projectRoot, definition.file)), files });
  }
  return sources;
}

async function readTree(root: string, source: string): Promise<ContainerSources['files']> {
  const full = path.join(root, source);
  if (!(await stat(full)).isDirectory()) return [{ source, content: await readFile(full) }];
  const entries = await readdir(full, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return { source: path.relative(root, file).split(path.sep).join('/'), content: await readFile(file) };
      }),
  );
}
