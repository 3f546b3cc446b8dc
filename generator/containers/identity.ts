import { createHash } from 'node:crypto';
import type { CustomContainerDefinition } from '../definitions/definition.js';
import type { CiContext } from '../pipeline/ci-context.js';
import { byKeys } from '../pipeline/order.js';
import type { ImageLookup } from '../registry/lookup.js';
import type { Architecture, Settings } from '../settings/settings.js';
import { carries, type SifLookup } from '../sif/store.js';
import { baseImageRef } from './base-images.js';
import type { ContainerRelease } from './container-release.js';
import { LABEL_NAMESPACE } from './registry-script.js';

/** The files a Spack container is made from besides the template: its definition and copies. */
export interface ContainerSources {
  definition: Buffer;
  /** Each `spacktainer.files` source, by its path below spacktainer/files/. */
  files: { source: string; content: Buffer }[];
}

/**
 * What a published container was made from, as `org.spacktainers.<key>` image labels and as
 * the SIF object's metadata. A step is skipped exactly when what is published carries all of it.
 */
export type ContainerIdentity = Record<string, string>;

/** The base images a Spack container is built on, pinned by digest when the registry has them. */
export interface PinnedBaseImages {
  builder: string;
  runtime: string;
}

/** Which publishing steps a container needs in this pipeline. */
export interface ContainerSteps {
  image: boolean;
  sif: boolean;
  dockerHub: boolean;
}

/**
 * Where one published form of a container stands: published with this identity (`current`),
 * published with another (`outdated`), not there (`missing`), or not a form this container has
 * here (`none`: the image of a `.def`, Docker Hub off the default branch or without a repository).
 */
export type PublicationState = 'current' | 'outdated' | 'missing' | 'none';

export interface PublicationStates {
  image: PublicationState;
  sif: PublicationState;
  dockerHub: PublicationState;
  /** The registry's labels of the image (or, for a `.def`, nothing), for reports. */
  imageLabels?: Record<string, string> | undefined;
  /**
   * Off the default branch, where the default branch already published this very identity
   * (same lock, files and base images): the image and SIF to copy instead of building again.
   */
  reusable: { image?: string; sif?: string };
}

export interface ContainerPublication {
  container: ContainerRelease;
  identity: ContainerIdentity;
  states: PublicationStates;
  steps: ContainerSteps;
}

/**
 * The checksum of everything a Spack container is made of that is not in spack.lock: its
 * definition, its Dockerfile (the template with the COPY lines) and every copied file.
 */
export function containerChecksum(dockerfile: string, sources: ContainerSources): string {
  const hash = createHash('sha256');
  hash.update(`definition ${sources.definition.length}\n`).update(sources.definition);
  hash.update(`dockerfile ${Buffer.byteLength(dockerfile)}\n`).update(dockerfile);
  for (const file of [...sources.files].sort(byKeys((f) => f.source))) {
    hash.update(`file ${file.source} ${file.content.length}\n`).update(file.content);
  }
  return `sha256:${hash.digest('hex')}`;
}

export function spackIdentity(settings: Settings, lockDigest: string, checksum: string, bases: PinnedBaseImages): ContainerIdentity {
  return {
    'spack-lock-digest': lockDigest,
    'container-checksum': checksum,
    'spack-commit': settings.spack.commit,
    'base-image-builder': bases.builder,
    'base-image-runtime': bases.runtime,
  };
}

/** A `.def` SIF is made of its text and its `From:` image, pinned by digest when known. */
export function customIdentity(definition: CustomContainerDefinition, sourceImage: string): ContainerIdentity {
  return {
    'container-checksum': `sha256:${createHash('sha256').update(definition.text).digest('hex')}`,
    'source-image': sourceImage,
  };
}

/** `repository@digest` when the registry holds the image, else the reference as given. */
export async function pinImage(images: ImageLookup, reference: string): Promise<string> {
  const digest = await images.digest(reference);
  return digest ? pinnedReference(reference, digest) : reference;
}

/** `repository:tag` pinned as `repository@digest`. */
export function pinnedReference(reference: string, digest: string): string {
  return `${reference.slice(0, reference.lastIndexOf(':'))}@${digest}`;
}

export async function pinBaseImages(settings: Settings, context: CiContext, arch: Architecture, images: ImageLookup): Promise<PinnedBaseImages> {
  const [builder, runtime] = await Promise.all((['builder', 'runtime'] as const).map((name) => pinImage(images, baseImageRef(settings, context, name, arch))));
  return { builder: builder!, runtime: runtime! };
}

export function identityLabels(identity: ContainerIdentity): Record<string, string> {
  return Object.fromEntries(Object.entries(identity).map(([key, value]) => [`${LABEL_NAMESPACE}.${key}`, value]));
}

/**
 * How each published form of a container compares with this identity: the image (registry
 * labels), the SIF (object metadata), and on the default branch the Docker Hub copy, which
 * exists only where its Docker Hub repository does.
 */
export async function publicationStates(
  container: ContainerRelease,
  identity: ContainerIdentity,
  images: ImageLookup,
  sifs: SifLookup,
): Promise<PublicationStates> {
  const { arch } = container.definition;
  const labels = identityLabels(identity);
  const state = (published: Record<string, string> | undefined, wanted: Record<string, string>): PublicationState =>
    published === undefined ? 'missing' : carries(published, wanted) ? 'current' : 'outdated';
  const hub = container.dockerHubImage;
  const [image, sif, dockerHub] = await Promise.all([
    container.definition.kind === 'spack' ? images.image(container.image, arch) : undefined,
    sifs.metadata(container.sifKey),
    hub && (await images.repositoryExists(hub.slice(0, hub.lastIndexOf(':')))) ? images.image(hub, arch).then((i) => i ?? null) : undefined,
  ]);
  const states: PublicationStates = {
    image: container.definition.kind === 'spack' ? state(image?.labels, labels) : 'none',
    sif: state(sif, identity),
    dockerHub: dockerHub === undefined ? 'none' : state(dockerHub?.labels, labels),
    imageLabels: image?.labels,
    reusable: {},
  };
  const source = container.defaultBranch;
  if (source) {
    const [sourceImage, sourceSif] = await Promise.all([
      states.image === 'current' || states.image === 'none' ? undefined : images.image(source.image, arch),
      states.sif === 'current' ? undefined : sifs.metadata(source.sifKey),
    ]);
    if (carries(sourceImage?.labels, labels)) states.reusable.image = source.image;
    if (carries(sourceSif, identity)) states.reusable.sif = source.sifKey;
  }
  return states;
}

/** The steps whose result is not published yet with this identity. */
export function stepsFor(states: PublicationStates): ContainerSteps {
  const needed = (state: PublicationState) => state === 'outdated' || state === 'missing';
  return { image: needed(states.image), sif: needed(states.sif), dockerHub: needed(states.dockerHub) };
}
