import path from 'node:path';
import { SpacktainersError } from '../errors.js';
import type { ContainerDefinition, DefinitionSet } from '../definitions/definition.js';
import { definitionSet, parseDefinition } from '../definitions/parse.js';
import type { BaseImageInputs } from '../containers/base-images.js';
import { readBaseImageInputs } from '../io/fs/base-images.js';
import { checkCopiedFiles } from '../io/fs/container-sources.js';
import { readDefinitions } from '../io/fs/definitions.js';
import { readPackageVersion } from '../io/fs/package-version.js';
import { readSettings } from '../io/fs/settings.js';
import { ciContext, type CiContext } from '../pipeline/ci-context.js';
import { generatorImage } from '../settings/generator-image.js';
import { ARCHITECTURES, BASE_IMAGES, parseSettings, type Settings } from '../settings/settings.js';

/** A spacktainers project as the generator sees it: settings, definitions and CI context. */
export interface Project {
  /** The folder holding container_definitions/, base-images/ and spacktainer/. */
  root: string;
  settings: Settings;
  definitions: DefinitionSet;
  context: CiContext;
}

/** The project folder: the parent of the definitions folder (for `--definitions .`, of the current folder). */
export function projectRootOf(definitionsDir: string): string {
  return path.dirname(path.resolve(definitionsDir));
}

export async function loadProject(definitionsDir: string, settingsFile: string, environment: NodeJS.ProcessEnv): Promise<Project> {
  const root = projectRootOf(definitionsDir);
  const settings = await loadSettings(settingsFile, environment);
  const definitions = await loadDefinitions(path.resolve(definitionsDir), root);
  return { root, settings, definitions, context: ciContext(settings, environment) };
}

/**
 * Read the settings file; CI variables in `environment` override its values. An untagged
 * generator image gets this generator's version.
 */
export async function loadSettings(file: string, environment: NodeJS.ProcessEnv): Promise<Settings> {
  const settings = parseSettings(file, await readSettings(file), environment);
  return { ...settings, images: { ...settings.images, generator: generatorImage(settings.images.generator, await readPackageVersion()) } };
}

/**
 * Every switched-on definition under `definitionsDir`. `projectRoot` anchors the file names in
 * messages and the `spacktainer/files/` folder that `files` entries must exist in. All
 * problems of all files are reported together; nothing is returned if there is one.
 */
export async function loadDefinitions(definitionsDir: string, projectRoot: string): Promise<DefinitionSet> {
  const found = await readDefinitions(definitionsDir, projectRoot, ARCHITECTURES);
  const problems: SpacktainersError[] = [];
  const definitions: ContainerDefinition[] = [];
  for (const entry of found.entries) {
    if (entry instanceof SpacktainersError) {
      problems.push(entry);
      continue;
    }
    try {
      definitions.push(parseDefinition(entry));
    } catch (error) {
      if (error instanceof SpacktainersError && error.kind === 'input') problems.push(...error.problems);
      else throw error;
    }
  }
  problems.push(...(await checkCopiedFiles(definitions, projectRoot)));
  return definitionSet(definitions, found.switchedOff, problems);
}

/**
 * Every file of every base image the generator builds (`base-images/<name>/`), for their
 * checksums: the app's read-through to io, which is handed the domain's image names. The bytes
 * are the input as they are, so there is nothing to parse.
 */
export async function loadBaseImageInputs(projectRoot: string): Promise<BaseImageInputs[]> {
  return readBaseImageInputs(projectRoot, BASE_IMAGES);
}
