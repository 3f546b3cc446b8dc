import { readContainerSources } from '../io/fs/container-sources.js';
import { readDockerfileTemplate } from '../io/fs/dockerfile-template.js';
import type { ProgressSink } from '../io/retry.js';
import type { DefinitionSet } from '../definitions/definition.js';
import type { Architecture } from '../settings/settings.js';
import { loadLockedEnvironments } from './spack-files.js';
import type { PublicationsInput } from './container-jobs.js';
import type { Project } from './project.js';
import { publishedState } from './published.js';

/**
 * Everything assessing one architecture's containers reads: the locks the generate jobs wrote,
 * the files each container is made from, the Dockerfile template, and what is published
 * (nothing, offline; `log` hears the retries of the registries and the bucket).
 */
export async function loadPublicationsInput(
  project: Project,
  definitions: DefinitionSet,
  arch: Architecture,
  generatedRoot: string,
  offline: boolean,
  environment: NodeJS.ProcessEnv,
  log: ProgressSink,
): Promise<PublicationsInput> {
  return {
    ...project,
    definitions,
    arch,
    locks: await loadLockedEnvironments(definitions, arch, generatedRoot),
    sources: await readContainerSources(project.root, definitions, arch),
    dockerfileTemplate: await readDockerfileTemplate(project.root),
    published: await publishedState(project.settings, arch, environment, offline, log),
    generatedRoot,
  };
}
