import { createHash } from 'node:crypto';
import type { ContainerDefinition, CustomContainerDefinition, SpackContainerDefinition } from '../definitions/definition.js';
import { archSuffix, cacheKind, tagSuffix, type CiContext } from '../pipeline/ci-context.js';
import { PROVENANCE_IN_IMAGE, provenanceKey } from '../provenance/package-list.js';
import type { Job, Need, Pipeline } from '../pipeline/model.js';
import { shellQuote } from '../pipeline/shell.js';
import type { ImageLookup } from '../registry/lookup.js';
import { proxyVariables, registryImage, type Architecture, type Settings } from '../settings/settings.js';
import { SpacktainersError } from '../errors.js';
import { carries, sifObjectKey, type SifLookup } from '../sif/store.js';
import { concreteRoot, type SpackLock } from '../spack/lock.js';
import { cacheIsSigned, environmentPaths } from '../spack/environment.js';
import { baseImageRef } from './base-images.js';
import { buildahJob, keyValueArguments, LABEL_NAMESPACE, registryLogin } from './registry-script.js';
import { byKeys } from '../pipeline/order.js';

/** Docker tags: at most 128 characters of [A-Za-z0-9_.-], not starting with . or -. */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A container ready to be published: where it goes and what it is built from. */
export interface PlannedContainer {
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
 * here (`none`: the image of a `.def`, Docker Hub off the default branch or without a repository),
 * or not known (`unknown`: the environment is not concretized, so the tag is not known).
 */
export type PublicationState = 'current' | 'outdated' | 'missing' | 'none' | 'unknown';

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
  container: PlannedContainer;
  identity: ContainerIdentity;
  states: PublicationStates;
  steps: ContainerSteps;
}

/** Where container-jobs writes an architecture's publishing pipelines, with a folder per container. */
export function publishDir(generatedRoot: string, arch: Architecture): string {
  return `${generatedRoot}/${arch}/containers`;
}

export function containerVersion(definition: ContainerDefinition, lock: SpackLock | undefined): string {
  if (definition.kind === 'custom') return definition.fromTag;
  if (!lock) throw new SpacktainersError('internal', `internal: no lock for ${definition.file}`);
  return concreteRoot(lock, definition.environment.specs[0]!).version;
}

export function planContainer(
  settings: Settings,
  context: CiContext,
  definition: ContainerDefinition,
  version: string,
  dockerfileTemplate: string,
  generatedRoot: string,
): PlannedContainer {
  const tag = `${version}${tagSuffix(context, definition.arch)}`;
  if (!DOCKER_TAG.test(tag)) {
    throw SpacktainersError.input(
      { file: definition.file, key: definition.kind === 'spack' ? 'spack.specs.0' : 'From' },
      `version "${version}" does not make a valid image tag ("${tag}")`,
    );
  }
  const outputDir = `${publishDir(generatedRoot, definition.arch)}/${definition.name}`;
  const planned: PlannedContainer = {
    definition,
    version,
    tag,
    image: `${registryImage(settings, definition.name)}:${tag}`,
    sifKey: sifObjectKey(definition.name, tag),
    provenancePath: `${outputDir}/provenance.json`,
  };
  if (!context.isDefaultBranch) {
    const defaultTag = `${version}${archSuffix(definition.arch)}`;
    planned.defaultBranch = { image: `${registryImage(settings, definition.name)}:${defaultTag}`, sifKey: sifObjectKey(definition.name, defaultTag) };
  }
  if (context.isDefaultBranch && definition.kind === 'spack') {
    planned.dockerHubImage = `${settings.dockerHub.host}/${settings.dockerHub.namespace}/${definition.name}:${tag}`;
  }
  if (definition.kind === 'spack') {
    planned.dockerfile = {
      path: `${outputDir}/Dockerfile`,
      text: containerDockerfile(dockerfileTemplate, definition, planned.provenancePath),
    };
  }
  return planned;
}

/**
 * The template, the provenance file, and one COPY line per `spacktainer: files:` entry (paths
 * already validated).
 */
export function containerDockerfile(template: string, definition: SpackContainerDefinition, provenancePath: string): string {
  const copy = (from: string, to: string) => `COPY ${JSON.stringify(from)} ${JSON.stringify(to)}`;
  const body = template.endsWith('\n') ? template : `${template}\n`;
  const lines = [`# What is inside: \`spacktainers status --package NAME\` reads the same list.`, copy(provenancePath, PROVENANCE_IN_IMAGE)];
  if (definition.files.length > 0) {
    lines.push(`# spacktainer.files of ${definition.file}`, ...definition.files.map((f) => copy(`spacktainer/files/${f.source}`, `/${f.target}`)));
  }
  return `${body}${lines.join('\n')}\n`;
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
  container: PlannedContainer,
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

export const containerJobNames = {
  image: (name: string) => `image:${name}`,
  sif: (name: string) => `sif:${name}`,
  dockerHub: (name: string) => `docker-hub:${name}`,
};

/**
 * The pipeline that publishes one architecture's containers: only the steps that are needed.
 * It runs as a grandchild of the root, so it holds no trigger jobs; its jobs take the
 * environments and Dockerfiles from the `container-jobs` job that wrote it. With nothing to
 * publish it holds one no-op job (GitLab refuses an empty pipeline).
 */
export function publishPipeline(
  settings: Settings,
  context: CiContext,
  arch: Architecture,
  publications: ContainerPublication[],
  bases: PinnedBaseImages,
  writerJob: string,
  generatedRoot: string,
): Pipeline {
  const jobs = new Map<string, Job>();
  const fromWriter: Need = { pipeline: '$PARENT_PIPELINE_ID', job: writerJob };
  for (const { container, identity, steps } of publications) {
    const name = container.definition.name;
    const afterImage: Need[] = steps.image ? [fromWriter, containerJobNames.image(name)] : [fromWriter];
    if (steps.image) {
      jobs.set(containerJobNames.image(name), { ...imageJob(settings, context, arch, container, identity, bases, generatedRoot), needs: [fromWriter] });
    }
    if (steps.sif) jobs.set(containerJobNames.sif(name), { ...sifJob(settings, context, arch, container, identity), needs: afterImage });
    if (steps.dockerHub) jobs.set(containerJobNames.dockerHub(name), { ...dockerHubJob(settings, arch, container), needs: afterImage });
  }
  if (jobs.size === 0) {
    jobs.set('nothing-to-publish', {
      stage: 'publish',
      image: settings.images.generator,
      tags: settings.architectures[arch].runnerTags,
      script: [`echo "Every ${arch} container is already published with the same contents."`],
    });
  }
  return { header: [`Generated by spacktainers container-jobs: ${arch} containers (only what changed).`], stages: ['publish'], jobs };
}

function imageJob(
  settings: Settings,
  context: CiContext,
  arch: Architecture,
  container: PlannedContainer,
  identity: ContainerIdentity,
  bases: PinnedBaseImages,
  generatedRoot: string,
): Job {
  const args = {
    BUILDER_IMAGE: bases.builder,
    RUNTIME_IMAGE: bases.runtime,
    ENVIRONMENT_DIR: environmentPaths(arch, container.definition.name, generatedRoot).environmentDir,
    S3_ENDPOINT_URL: settings.s3.endpoint,
    AWS_DEFAULT_REGION: settings.s3.region,
    SPACK_VERIFY_SIGNATURES: String(cacheIsSigned(settings, cacheKind(context))),
  };
  // The Dockerfile's RUN reads the S3 credentials as build secrets of these ids.
  const secrets = { aws_access_key_id: settings.s3.accessKeyVariable, aws_secret_access_key: settings.s3.secretKeyVariable };
  const labels = [
    ...keyValueArguments('--label', { 'org.opencontainers.image.version': container.version, 'org.opencontainers.image.source': context.projectUrl }),
    // Known only when the job runs; not part of the identity, so they never cause a rebuild.
    '--label "org.opencontainers.image.revision=${CI_COMMIT_SHA}"',
    '--label "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"',
    `--label "${LABEL_NAMESPACE}.pipeline-url=\${CI_PIPELINE_URL}"`,
    ...keyValueArguments('--label', identityLabels(identity)),
  ];
  const job = buildahJob(settings, arch, 'publish', [
    registryLogin(settings.registry),
    ...writeBuildSecrets(secrets),
    [
      'buildah build --layers',
      ...Object.keys(secrets).map((id) => `--secret id=${id},src="$secrets/${id}"`),
      ...keyValueArguments('--build-arg', args),
      ...labels,
      `--file ${shellQuote(container.dockerfile!.path)}`,
      `--tag ${shellQuote(container.image)}`,
      '.',
    ].join(' '),
    `buildah push ${shellQuote(container.image)}`,
  ]);
  return { ...job, timeout: settings.containers.buildJobTimeout };
}

/**
 * Each secret from its CI variable into a file of a private folder that buildah mounts into
 * the RUN step: printf is a shell builtin, so the value is on no command line and in no log;
 * the folder is removed when the job's shell exits.
 */
function writeBuildSecrets(secrets: Record<string, string>): string[] {
  return [
    `secrets="$(mktemp -d)"; trap 'rm -rf "$secrets"' EXIT`,
    ...Object.entries(secrets).map(([id, variable]) => `printf '%s' "\${${variable}}" > "$secrets/${id}"`),
  ];
}

/**
 * Convert to SIF with singularity (apptainer) in the singularitah image, then upload with
 * `spacktainers sif upload`, which stores the identity as object metadata. A Spack container
 * is converted from its pushed image; a `.def` is built from the definition.
 */
function sifJob(settings: Settings, context: CiContext, arch: Architecture, container: PlannedContainer, identity: ContainerIdentity): Job {
  const { definition } = container;
  const sif = `${definition.name}-${container.tag}.sif`;
  const build =
    definition.kind === 'spack'
      ? [registryLogin(settings.registry, 'singularity'), `singularity build ${shellQuote(sif)} ${shellQuote(`docker://${container.image}`)}`]
      : [`singularity build --fakeroot ${shellQuote(sif)} ${shellQuote(definition.file)}`];
  const upload = (file: string, key: string) =>
    ['npx spacktainers sif upload', `--file ${shellQuote(file)}`, `--key ${shellQuote(key)}`, ...keyValueArguments('--metadata', identity)].join(' ');
  // The module's wrappers: the view's executables, or the runscript of a `.def`.
  const listExecutables = definition.kind === 'spack' ? [`singularity exec ${shellQuote(sif)} ls /opt/view/bin > executables.txt`] : [];
  const wrappers = definition.kind === 'spack' ? '--executables executables.txt' : '--runscript';
  const moduleOptions = { '--arch': arch, '--name': definition.name, '--version': container.version, '--sif-key': container.sifKey };
  // Cluster users load what the default branch publishes; branches' SIFs are for testing and
  // are removed with their branch, so they get no module files to leave behind.
  const publishModule = context.isDefaultBranch
    ? [
        ...listExecutables,
        [
          'npx spacktainers modules publish',
          ...Object.entries(moduleOptions).map(([option, value]) => `${option} ${shellQuote(value)}`),
          wrappers,
          ...(identity['spack-lock-digest'] ? [`--lock-digest ${shellQuote(identity['spack-lock-digest'])}`] : []),
        ].join(' '),
      ]
    : [];
  return {
    stage: 'publish',
    image: { name: baseImageRef(settings, context, 'singularitah', arch), entrypoint: [''] },
    tags: settings.architectures[arch].runnerTags,
    variables: proxyVariables(settings),
    timeout: settings.containers.buildJobTimeout,
    script: [
      ...build,
      'npm ci --no-audit --no-fund',
      upload(sif, container.sifKey),
      upload(container.provenancePath, provenanceKey(container.sifKey)),
      ...publishModule,
    ],
  };
}

/** Copy the pushed image to Docker Hub (default branch only, into an existing repository). */
function dockerHubJob(settings: Settings, arch: Architecture, container: PlannedContainer): Job {
  return buildahJob(settings, arch, 'publish', [
    registryLogin(settings.registry),
    registryLogin(settings.dockerHub),
    `buildah pull ${shellQuote(`docker://${container.image}`)}`,
    `buildah push ${shellQuote(container.image)} ${shellQuote(`docker://${container.dockerHubImage!}`)}`,
  ]);
}
