import path from 'node:path';
import { SpacktainersError } from '../errors.js';
import type { ContainerDefinition, DefinitionSet } from '../definitions/definition.js';
import { definitionSet, parseDefinition } from '../definitions/parse.js';
import type { BaseImageInputs } from '../containers/base-images.js';
import { readBaseImageInputs } from '../io/fs/base-images.js';
import { checkCopiedFiles } from '../io/fs/container-sources.js';
import { readDefinitions } from '../io/fs/definitions.js';
import { packageVersion } from './version.js';
import { readSettings } from '../io/fs/settings.js';
import { ciContext, type CiContext } from '../pipeline/ci-context.js';
import { generatorImage } from '../settings/generator-image.js';
import { architectureNames, BASE_IMAGES, parseSettings, type Architecture, type Settings } from '../settings/settings.js';

/** A spacktainers project as the generator sees it: settings, definitions and CI context. */
export interface Project {
  /** The folder holding container_definitions/, settings, and the base-images/ and spacktainer/ overriding the package's. */
  root: string;
  settings: Settings;
  definitions: DefinitionSet;
  context: CiContext;
}

/**
 * The project folder is the current one (cli enters `--project`), as a CI job runs in its
 * checkout: the image builds' context, and where GitLab finds artifacts.
 */
export const PROJECT_FOLDER = '.';

export async function loadProject(definitionsDir: string, settingsFile: string, environment: NodeJS.ProcessEnv): Promise<Project> {
  const root = path.resolve(PROJECT_FOLDER);
  const settings = await loadSettings(settingsFile, environment);
  const definitions = await loadDefinitions(path.resolve(definitionsDir), root, architectureNames(settings));
  return { root, settings, definitions, context: ciContext(settings, environment) };
}

/**
 * Read the settings file; CI variables in `environment` override its values. An untagged
 * generator image gets this generator's version.
 */
export async function loadSettings(file: string, environment: NodeJS.ProcessEnv): Promise<Settings> {
  const settings = parseSettings(file, await readSettings(file), environment);
  return { ...settings, images: { ...settings.images, generator: generatorImage(settings.images.generator, packageVersion()) } };
}

/**
 * An architecture an option names, checked against the settings' architectures (only the
 * settings know them): anything else is a usage error naming the option, as clipanion's own.
 */
export function architectureOption(settings: Settings, value: string, option = '--arch'): Architecture {
  const known = architectureNames(settings);
  if (known.includes(value)) return value;
  throw new SpacktainersError('usage', `must be one of the settings' architectures ${known.join(', ')}, got ${value}`, { location: { option } });
}

/**
 * Every switched-on definition under `definitionsDir`, in the folders of `architectures` (a
 * folder of another architecture is an error). `projectRoot` anchors the file names in
 * messages and the `spacktainer/files/` folder that `files` entries must exist in. All
 * problems of all files are reported together; nothing is returned if there is one.
 */
export async function loadDefinitions(definitionsDir: string, projectRoot: string, architectures: readonly Architecture[]): Promise<DefinitionSet> {
  const found = await readDefinitions(definitionsDir, projectRoot, architectures);
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
