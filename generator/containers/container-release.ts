import type { ContainerDefinition, SpackContainerDefinition } from '../definitions/definition.js';
import { SpacktainersError } from '../errors.js';
import { archSuffix, tagSuffix, type CiContext } from '../pipeline/ci-context.js';
import { PROVENANCE_IN_IMAGE } from '../provenance/package-list.js';
import { registryImage, type Architecture, type Settings } from '../settings/settings.js';
import { sifObjectKey } from '../sif/store.js';
import { concreteRoot, type SpackLock } from '../spack/lock.js';

/** Docker tags: at most 128 characters of [A-Za-z0-9_.-], not starting with . or -. */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** One version of a container, ready to be published: where it goes and what it is built from. */
export interface ContainerRelease {
  definition: ContainerDefinition;
  /** The concretized version of the first spec, or the tag of a `.def`'s `From:`. */
  version: string;
  tag: string;
  /** Image reference in the settings' registry, with tag. */
  image: string;
  /** Key of its SIF in the SIF bucket. */
  sifKey: string;
  /** Its provenance.json in the output, copied into the image and uploaded beside the SIF. */
  provenancePath: string;
  /** Off the default branch: the same container as the default branch publishes it. */
  defaultBranch?: { image: string; sifKey: string };
  /** Its Docker Hub reference; only on the default branch, the only one that publishes there. */
  dockerHubImage?: string;
  /** For Spack containers: the Dockerfile (template plus COPY lines) and its path in the output. */
  dockerfile?: { path: string; text: string };
}

/** Where container-jobs writes an architecture's publishing pipelines, with a folder per container. */
export function publishDir(generatedRoot: string, arch: Architecture): string {
  return `${generatedRoot}/${arch}/containers`;
}

export function containerVersion(definition: ContainerDefinition, lock: SpackLock | undefined): string {
  if (definition.kind === 'custom') return definition.fromTag;
  if (!lock) throw new SpacktainersError('internal', `internal: no lock for ${definition.file}`);
  return concreteRoot(lock, definition.environment.specs[0]).version;
}

export function containerRelease(
  settings: Settings,
  context: CiContext,
  definition: ContainerDefinition,
  version: string,
  dockerfileTemplate: string,
  generatedRoot: string,
): ContainerRelease {
  const tag = `${version}${tagSuffix(context, definition.arch)}`;
  if (!DOCKER_TAG.test(tag)) {
    throw SpacktainersError.input(
      { file: definition.file, key: definition.kind === 'spack' ? 'spack.specs.0' : 'From' },
      `version "${version}" does not make a valid image tag ("${tag}")`,
    );
  }
  const outputDir = `${publishDir(generatedRoot, definition.arch)}/${definition.name}`;
  const release: ContainerRelease = {
    definition,
    version,
    tag,
    image: `${registryImage(settings, definition.name)}:${tag}`,
    sifKey: sifObjectKey(definition.name, tag),
    provenancePath: `${outputDir}/provenance.json`,
  };
  if (!context.isDefaultBranch) {
    const defaultTag = `${version}${archSuffix(context, definition.arch)}`;
    release.defaultBranch = { image: `${registryImage(settings, definition.name)}:${defaultTag}`, sifKey: sifObjectKey(definition.name, defaultTag) };
  }
  if (context.isDefaultBranch && definition.kind === 'spack') {
    release.dockerHubImage = `${settings.dockerHub.host}/${settings.dockerHub.namespace}/${definition.name}:${tag}`;
  }
  if (definition.kind === 'spack') {
    release.dockerfile = {
      path: `${outputDir}/Dockerfile`,
      text: containerDockerfile(dockerfileTemplate, definition, release.provenancePath),
    };
  }
  return release;
}

/**
 * The template, the provenance file, and one COPY line per `spacktainer: files:` entry (paths
 * already validated).
 */
function containerDockerfile(template: string, definition: SpackContainerDefinition, provenancePath: string): string {
  const copy = (from: string, to: string) => `COPY ${JSON.stringify(from)} ${JSON.stringify(to)}`;
  const body = template.endsWith('\n') ? template : `${template}\n`;
  const lines = [`# What is inside: \`spacktainers status --package NAME\` reads the same list.`, copy(provenancePath, PROVENANCE_IN_IMAGE)];
  if (definition.files.length > 0) {
    lines.push(`# spacktainer.files of ${definition.file}`, ...definition.files.map((f) => copy(`spacktainer/files/${f.source}`, `/${f.target}`)));
  }
  return `${body}${lines.join('\n')}\n`;
}

export const containerJobNames = {
  image: (name: string) => `image:${name}`,
  sif: (name: string) => `sif:${name}`,
  dockerHub: (name: string) => `docker-hub:${name}`,
};
