import path from 'node:path';
import type { DefinitionSet } from '../definitions/definition.js';
import { readDefinitions } from '../io/fs/definitions.js';
import { ciContext, type CiContext } from '../pipeline/ci-context.js';
import { loadSettings } from '../io/fs/settings.js';
import type { Settings } from '../settings/settings.js';

/** A spacktainers project as the generator sees it: settings, definitions and CI context. */
export interface Project {
  /** The folder holding container_definitions/, base-images/ and spacktainer/. */
  root: string;
  settings: Settings;
  definitions: DefinitionSet;
  context: CiContext;
}

export async function loadProject(definitionsDir: string, settingsFile: string, environment: NodeJS.ProcessEnv): Promise<Project> {
  const root = path.dirname(path.resolve(definitionsDir));
  const settings = await loadSettings(settingsFile, environment);
  const definitions = await readDefinitions(path.resolve(definitionsDir), root);
  return { root, settings, definitions, context: ciContext(settings, environment) };
}
