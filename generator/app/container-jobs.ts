import type { DefinitionSet } from '../definitions/definition.js';
import { containerRelease, containerVersion, publishDir, type ContainerRelease } from '../containers/container-release.js';
import {
  containerChecksum,
  customIdentity,
  publicationStates,
  stepsFor,
  pinBaseImages,
  pinImage,
  spackIdentity,
  type ContainerIdentity,
  type ContainerPublication,
  type ContainerSources,
  type PinnedBaseImages,
} from '../containers/identity.js';
import type { CiContext } from '../pipeline/ci-context.js';
import { SpacktainersError, throwIfAny } from '../errors.js';
import type { GitLabLimits, PipelineFile } from '../pipeline/limits.js';
import { pathInOutput, pipelineFile, projectInputs, type OutputFile } from '../pipeline/output.js';
import type { ImageLookup } from '../registry/lookup.js';
import type { Architecture, Settings } from '../settings/settings.js';
import type { SifLookup } from '../sif/store.js';
import type { LockedEnvironment } from '../spack/lock.js';
import { packageList, renderProvenance, type Provenance } from '../provenance/package-list.js';
import { groupPipeline, publishGroups, publishWriterJob } from './publish-split.js';
import { outputFolder, writeOutput } from './output.js';
import { architectureOption, loadProject } from './project.js';
import { loadPublicationsInput } from './publications-input.js';
import { progressSink, type Terminal } from './terminal.js';

/** What is already published, asked at generation time; the offline variants assume nothing. */
export interface Published {
  images: ImageLookup;
  sifs: SifLookup;
}

export interface ContainerJobsInput {
  definitions: DefinitionSet;
  settings: Settings;
  context: CiContext;
  arch: Architecture;
  /** spack.lock of each Spack container, by name, as written by the generate jobs. */
  locks: Map<string, LockedEnvironment>;
  /** Definition and copied files of each Spack container, by name. */
  sources: Map<string, ContainerSources>;
  dockerfileTemplate: string;
  published: Published;
  /** The generated folder as the pipeline names it (`generated`); paths below it follow environmentPaths. */
  generatedRoot: string;
  /** Name of the job that runs this, whose artifacts the publishing jobs take. */
  writerJob: string;
  /** GitLab's limits create-jobs divided the containers by (its --max-yaml-bytes, passed on). */
  limits?: GitLabLimits;
}

interface ContainerJobsResult {
  publications: ContainerPublication[];
  /** Images and SIFs copied from the default branch instead of built, as `from -> to`. */
  copied: string[];
  pipelines: PipelineFile[];
  files: OutputFile[];
}

/** What assessing one architecture's containers needs (container-jobs and status alike). */
export type PublicationsInput = Omit<ContainerJobsInput, 'writerJob' | 'limits'>;

/**
 * Every container of one architecture, released from its definition and concretized lock (bad
 * input fails them all, before any look-up), with its identity compared with what the registry
 * and the SIF bucket hold.
 */
export async function assessPublications(input: PublicationsInput): Promise<{ publications: ContainerPublication[]; bases: PinnedBaseImages }> {
  const { settings, context, arch, generatedRoot, published } = input;
  const errors: SpacktainersError[] = [];
  const containers: ContainerRelease[] = [];
  for (const definition of input.definitions.definitions.filter((d) => d.arch === arch)) {
    try {
      const lock = input.locks.get(definition.name);
      if (definition.kind === 'spack' && !lock) {
        throw SpacktainersError.input({ file: definition.file }, `no spack.lock for "${definition.name}": its generate job did not run or failed`);
      }
      const version = containerVersion(definition, lock?.lock);
      containers.push(containerRelease(settings, context, definition, version, input.dockerfileTemplate, generatedRoot));
    } catch (error) {
      if (!(error instanceof SpacktainersError && error.kind === 'input')) throw error;
      errors.push(error);
    }
  }
  throwIfAny(errors);
  const bases = await pinBaseImages(settings, context, arch, published.images);
  const publications = await Promise.all(
    containers.map(async (container) => {
      const identity = await identify(input, container, bases);
      const states = await publicationStates(container, identity, published.images, published.sifs);
      return { container, identity, states, steps: stepsFor(states) };
    }),
  );
  return { publications, bases };
}

/**
 * Off the default branch, copy what the default branch already published with the same
 * identity (a registry re-tag, an S3 copy) instead of building it again; the steps so done
 * are dropped. Returns what was copied, as `from -> to`.
 */
async function reuseDefaultBranch(publications: ContainerPublication[], published: Published): Promise<string[]> {
  const copied: string[] = [];
  for (const { container, states, steps } of publications) {
    const { image, sif } = states.reusable;
    if (steps.image && image) {
      await published.images.copy(image, container.image);
      steps.image = false;
      copied.push(`${image} -> ${container.image}`);
    }
    if (steps.sif && sif && (await published.sifs.copy(sif, container.sifKey))) {
      steps.sif = false;
      copied.push(`${sif} -> ${container.sifKey}`);
    }
  }
  return copied;
}

/**
 * The publishing pipelines of one architecture, one per group create-jobs triggers: only the
 * steps whose result is not published yet, after copying what the default branch already
 * published identically.
 */
async function containerJobs(input: ContainerJobsInput): Promise<ContainerJobsResult> {
  const { arch, generatedRoot } = input;
  const outputDir = publishDir(generatedRoot, arch);
  const { publications, bases } = await assessPublications(input);
  const copied = await reuseDefaultBranch(publications, input.published);
  const byName = new Map(publications.map((publication) => [publication.container.definition.name, publication]));
  const groups = publishGroups({ ...input, definitions: input.definitions.definitions });
  const pipelines = groups.map(({ file, names }, index) =>
    pipelineFile(
      file,
      2,
      groupPipeline(
        input,
        names.map((name) => byName.get(name)!),
        index + 1,
        groups.length,
        bases,
        input.writerJob,
      ),
    ),
  );
  const files = publications.flatMap((publication) => {
    const { dockerfile, provenancePath } = publication.container;
    return [
      ...(dockerfile ? [{ path: pathInOutput(outputDir, dockerfile.path), text: dockerfile.text }] : []),
      { path: pathInOutput(outputDir, provenancePath), text: renderProvenance(provenanceOf(publication, input.locks)) },
    ];
  });
  return { publications, copied, pipelines, files };
}

function provenanceOf({ container, identity }: ContainerPublication, locks: Map<string, LockedEnvironment>): Provenance {
  const { definition, version } = container;
  const base = { container: definition.name, arch: definition.arch, version };
  if (definition.kind === 'custom') return { ...base, packages: [], sourceImage: identity['source-image'] };
  const locked = locks.get(definition.name)!;
  return { ...base, spackLockDigest: locked.digest, packages: packageList(locked.lock) };
}

async function identify(input: PublicationsInput, container: ContainerRelease, bases: PinnedBaseImages): Promise<ContainerIdentity> {
  const { definition } = container;
  if (definition.kind === 'custom') {
    return customIdentity(definition, await pinImage(input.published.images, `${definition.fromImage}:${definition.fromTag}`));
  }
  const sources = input.sources.get(definition.name);
  if (!sources) throw new SpacktainersError('internal', `internal: no sources read for ${definition.file}`);
  return spackIdentity(input.settings, input.locks.get(definition.name)!.digest, containerChecksum(container.dockerfile!.text, sources), bases);
}

/** What `container-jobs` is asked, its options parsed. */
export interface ContainerJobsOptions {
  /** The option's value, checked against the settings. */
  arch: string;
  definitions: string;
  settings: string;
  /** The generated folder as the user gave it. */
  generated: string;
  offline: boolean;
  limits: GitLabLimits;
}

/**
 * Read the project and what the generate jobs concretized, make one architecture's publishing
 * pipelines and write them at once; prints what was copied, each container's steps, and what was
 * written. The writing job is the running CI job, or the one create-jobs names.
 */
export async function writeContainerJobs(options: ContainerJobsOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const { generated, limits } = options;
  const project = await loadProject(options.definitions, options.settings, environment);
  const arch = architectureOption(project.settings, options.arch);
  const output = await outputFolder('--generated', publishDir(generated, arch), [options.definitions, options.settings, ...projectInputs(project.root)]);
  const result = await containerJobs({
    ...(await loadPublicationsInput(project, project.definitions, arch, generated, options.offline, environment, progressSink(terminal))),
    writerJob: environment.CI_JOB_NAME ?? publishWriterJob(arch),
    limits,
  });
  await writeOutput(output, result.pipelines, result.files, limits);
  for (const copy of result.copied) terminal.stdout.write(`copied from the default branch: ${copy}\n`);
  for (const { container, steps } of result.publications) {
    const todo = Object.entries(steps)
      .filter(([, needed]) => needed)
      .map(([step]) => step);
    terminal.stdout.write(
      `${container.definition.arch}/${container.definition.name}: ${container.image} (${todo.length > 0 ? todo.join(', ') : 'up to date'})\n`,
    );
  }
  const files = result.pipelines.map((file) => file.path).join(', ');
  terminal.stdout.write(`container-jobs: ${result.publications.length} containers written to ${output.path}/ (${files})\n`);
}
