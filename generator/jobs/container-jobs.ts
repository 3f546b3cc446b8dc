import type { DefinitionSet } from '../definitions/definition.js';
import {
  containerChecksum,
  containerVersion,
  customIdentity,
  decideSteps,
  pinBaseImages,
  pinImage,
  planContainer,
  publishPipeline,
  spackIdentity,
  type ContainerIdentity,
  type ContainerPublication,
  type ContainerSources,
  type PinnedBaseImages,
  type PlannedContainer,
} from '../containers/container-pipeline.js';
import type { CiContext } from '../gitlab/ci-context.js';
import { InputError, throwIfAny } from '../input/errors.js';
import type { PipelineFile } from '../pipeline/limits.js';
import { pathInOutput, pipelineFile, type OutputFile } from '../pipeline/write.js';
import type { ImageLookup } from '../registry/lookup.js';
import type { Architecture, Settings } from '../settings/settings.js';
import type { SifLookup } from '../sif/store.js';
import type { LockedEnvironment } from '../spack/read-locks.js';
import { packageList, renderProvenance, type Provenance } from '../provenance/package-list.js';

export const PUBLISH_PIPELINE = 'containers.yml';

/** Where container-jobs writes an architecture's publishing pipeline and Dockerfiles. */
export function publishDir(generatedRoot: string, arch: Architecture): string {
  return `${generatedRoot}/${arch}/containers`;
}

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
}

export interface ContainerJobsResult {
  publications: ContainerPublication[];
  pipelines: PipelineFile[];
  files: OutputFile[];
}

/**
 * The publishing pipeline of one architecture, from its definitions and concretized locks:
 * every container is planned (bad input fails them all, before any look-up), then each one's
 * identity is compared with what the registry and the SIF bucket hold.
 */
export async function containerJobs(input: ContainerJobsInput): Promise<ContainerJobsResult> {
  const { settings, context, arch, generatedRoot, published } = input;
  const outputDir = publishDir(generatedRoot, arch);
  const errors: InputError[] = [];
  const containers: PlannedContainer[] = [];
  for (const definition of input.definitions.definitions.filter((d) => d.arch === arch)) {
    try {
      const lock = input.locks.get(definition.name);
      if (definition.kind === 'spack' && !lock) {
        throw new InputError({ file: definition.file }, `no spack.lock for "${definition.name}": its generate job did not run or failed`);
      }
      const version = containerVersion(definition, lock?.lock);
      containers.push(planContainer(settings, context, definition, version, input.dockerfileTemplate, generatedRoot));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      errors.push(error);
    }
  }
  throwIfAny(errors);
  const bases = await pinBaseImages(settings, context, arch, published.images);
  const publications = await Promise.all(
    containers.map(async (container) => {
      const identity = await identify(input, container, bases);
      return { container, identity, steps: await decideSteps(container, identity, published.images, published.sifs) };
    }),
  );
  const pipeline = publishPipeline(settings, context, arch, publications, bases, input.writerJob, generatedRoot);
  const files = containers.flatMap((c) => [
    ...(c.dockerfile ? [{ path: pathInOutput(outputDir, c.dockerfile.path), text: c.dockerfile.text }] : []),
    { path: pathInOutput(outputDir, c.provenancePath), text: renderProvenance(provenanceOf(c, publications, input.locks)) },
  ]);
  return { publications, pipelines: [pipelineFile(PUBLISH_PIPELINE, 2, pipeline)], files };
}

function provenanceOf(container: PlannedContainer, publications: ContainerPublication[], locks: Map<string, LockedEnvironment>): Provenance {
  const { definition, version } = container;
  const base = { container: definition.name, arch: definition.arch, version };
  if (definition.kind === 'custom') {
    const identity = publications.find((p) => p.container === container)!.identity;
    return { ...base, packages: [], sourceImage: identity['source-image'] };
  }
  const locked = locks.get(definition.name)!;
  return { ...base, spackLockDigest: locked.digest, packages: packageList(locked.lock) };
}

async function identify(input: ContainerJobsInput, container: PlannedContainer, bases: PinnedBaseImages): Promise<ContainerIdentity> {
  const { definition } = container;
  if (definition.kind === 'custom') {
    return customIdentity(definition, await pinImage(input.published.images, `${definition.fromImage}:${definition.fromTag}`));
  }
  const sources = input.sources.get(definition.name);
  if (!sources) throw new Error(`internal: no sources read for ${definition.file}`);
  return spackIdentity(input.settings, input.locks.get(definition.name)!.digest, containerChecksum(container.dockerfile!.text, sources), bases);
}
