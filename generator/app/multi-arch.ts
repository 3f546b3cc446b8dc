import type { DefinitionSet } from '../definitions/definition.js';
import { tagSuffix, type CiContext } from '../pipeline/ci-context.js';
import { joinArchitectures, type ArchitectureImage } from '../io/registry/multi-arch.js';
import { projectRegistryClient } from '../io/registry/lookup.js';
import { loadLockedEnvironments } from './spack-files.js';
import { architectureNames, imagePlatform, type Architecture, type Settings } from '../settings/settings.js';
import { concreteRoot, type LockedEnvironment } from '../spack/lock.js';
import { byKeys } from '../pipeline/order.js';
import { loadProject } from './project.js';
import { progressSink, type Terminal } from './terminal.js';

/** A container built for several architectures at the same version: one tag joins them. */
interface MultiArchImage {
  name: string;
  /** Repository below the settings' registry host. */
  repository: string;
  tag: string;
  images: (ArchitectureImage & { arch: Architecture })[];
}

/**
 * The Spack containers defined for more than one architecture whose locks concretized the same
 * version: their tags differ only by the architecture suffix, and the plain one joins them.
 */
function multiArchImages(
  settings: Settings,
  context: CiContext,
  definitions: DefinitionSet,
  locks: Map<Architecture, Map<string, LockedEnvironment>>,
): MultiArchImage[] {
  const versions = new Map<string, Map<Architecture, string>>();
  for (const definition of definitions.definitions) {
    if (definition.kind !== 'spack') continue;
    const locked = locks.get(definition.arch)?.get(definition.name);
    if (!locked) continue;
    const version = concreteRoot(locked.lock, definition.environment.specs[0]).version;
    versions.set(definition.name, (versions.get(definition.name) ?? new Map<Architecture, string>()).set(definition.arch, version));
  }
  const joined: MultiArchImage[] = [];
  for (const [name, byArch] of versions) {
    const [version, ...others] = new Set(byArch.values());
    if (byArch.size < 2 || others.length > 0) continue;
    joined.push({
      name,
      repository: `${settings.registry.path}/${name}`,
      tag: `${version}${tagSuffix(context, context.primaryArch)}`,
      images: architectureNames(settings)
        .filter((arch) => byArch.has(arch))
        .map((arch) => ({ arch, platform: imagePlatform(settings, arch), tag: `${version}${tagSuffix(context, arch)}` })),
    });
  }
  return joined.sort(byKeys((image) => image.name));
}

/** What `multi-arch-manifests` is asked. */
export interface MultiArchOptions {
  definitions: string;
  settings: string;
  generated: string;
  /** Print what would be joined; change nothing. */
  dryRun: boolean;
}

/** Join each container built for several architectures at one version under its plain tag; prints each join. */
export async function joinMultiArchImages(options: MultiArchOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const project = await loadProject(options.definitions, options.settings, environment);
  const locks = new Map(
    await Promise.all(
      architectureNames(project.settings).map(async (arch) => [arch, await loadLockedEnvironments(project.definitions, arch, options.generated)] as const),
    ),
  );
  const images = multiArchImages(project.settings, project.context, project.definitions, locks);
  const client = projectRegistryClient(project.settings, environment, progressSink(terminal));
  for (const image of images) {
    const parts = image.images.map((i) => `${i.arch}=${i.tag}`).join(', ');
    const outcome = options.dryRun ? 'would join' : await joinArchitectures(client, image.repository, image.tag, image.images);
    terminal.stdout.write(`${project.settings.registry.host}/${image.repository}:${image.tag} (${parts}): ${outcome}\n`);
  }
  if (images.length === 0) terminal.stdout.write('no container is built for several architectures at one version\n');
}
