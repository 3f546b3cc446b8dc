import { containerRelease } from '../containers/container-release.js';
import { customIdentity, pinnedReference, spackIdentity, type ContainerPublication, type PinnedBaseImages } from '../containers/identity.js';
import { publishPipeline } from '../containers/publish-jobs.js';
import { baseImageRef } from '../containers/base-images.js';
import type { ContainerDefinition } from '../definitions/definition.js';
import { tagSuffix, type CiContext } from '../pipeline/ci-context.js';
import { SpacktainersError } from '../errors.js';
import { DEFAULT_LIMITS, type GitLabLimits } from '../pipeline/limits.js';
import type { Pipeline } from '../pipeline/model.js';
import { yamlBytes } from '../pipeline/render.js';
import type { Architecture, Settings } from '../settings/settings.js';
import { PUBLISH_PIPELINE } from './file-names.js';

/** The job of the containers pipeline that writes an architecture's publishing pipelines. */
export const publishWriterJob = (arch: Architecture) => `container-jobs:${arch}`;

/** One publishing pipeline of an architecture: its file, the trigger job running it, its containers. */
export interface PublishGroup {
  file: string;
  trigger: string;
  names: string[];
}

export interface PublishSplitInput {
  settings: Settings;
  context: CiContext;
  arch: Architecture;
  /** The definitions of every architecture; only `arch`'s are grouped. */
  definitions: ContainerDefinition[];
  generatedRoot: string;
  limits?: GitLabLimits | undefined;
}

/** Docker's longest tag (container-release's DOCKER_TAG). */
const MAX_TAG_LENGTH = 128;
const SHA256 = `sha256:${'0'.repeat(64)}`;

/**
 * Divide an architecture's containers into publishing pipelines, each within GitLab's limits.
 *
 * create-jobs writes a trigger job per group before anything is concretized, and container-jobs
 * later writes the groups' files, so both compute the groups from what they share: the
 * definitions, settings and branch. A container is sized by the most its jobs can take (every
 * step needed, the longest tag Docker allows, every image pinned by digest), so what
 * container-jobs writes never outgrows its group. Containers go in code-point order of their
 * names, filling each group before the next: a group depends on no version, and adding or
 * removing a container moves only containers after it. One group keeps the single-file layout
 * (`containers.yml`, trigger `containers:<arch>`).
 */
export function publishGroups(input: PublishSplitInput): PublishGroup[] {
  const { arch } = input;
  const limits = input.limits ?? DEFAULT_LIMITS;
  const definitions = input.definitions.filter((d) => d.arch === arch).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const budget = Math.min(limits.maxYamlBytes, limits.maxArtifactBytes) - yamlBytes(groupPipeline(input, [], 999, 999));
  const groups: string[][] = [];
  let used = Infinity;
  for (const definition of definitions) {
    const bytes = yamlBytes({ jobs: groupPipeline(input, [worstCase(input, definition)], 1, 1).jobs });
    if (bytes > budget) {
      throw SpacktainersError.input(
        { file: definition.file },
        `the publishing jobs of "${definition.name}" can take ${bytes} bytes of YAML, over the budget of ${budget} bytes per publishing pipeline`,
      );
    }
    if (used + bytes > budget) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1]!.push(definition.name);
    used += bytes;
  }
  if (groups.length <= 1) return [{ file: PUBLISH_PIPELINE, trigger: `containers:${arch}`, names: groups[0] ?? [] }];
  return groups.map((names, index) => {
    const part = String(index + 1).padStart(3, '0');
    return { file: `containers-${part}.yml`, trigger: `containers:${arch}:${part}`, names };
  });
}

/** The publishing pipeline of group `part` of `count` (numbered from 1). */
export function groupPipeline(
  input: Omit<PublishSplitInput, 'definitions' | 'limits'>,
  publications: ContainerPublication[],
  part: number,
  count: number,
  bases: PinnedBaseImages = worstCaseBases(input),
  writerJob = publishWriterJob(input.arch),
): Pipeline {
  const { settings, context, arch, generatedRoot } = input;
  const pipeline = publishPipeline(settings, context, arch, publications, bases, writerJob, generatedRoot);
  if (count === 1) return pipeline;
  return {
    ...pipeline,
    header: [...(pipeline.header ?? []), `Publishing pipeline ${part} of ${count}: ${arch} containers in code-point order of their names.`],
  };
}

/** The longer of an image reference as given and pinned by digest: what pinImage may return. */
function longestPin(reference: string): string {
  const pinned = pinnedReference(reference, SHA256);
  return pinned.length > reference.length ? pinned : reference;
}

function worstCaseBases({ settings, context, arch }: Omit<PublishSplitInput, 'definitions'>): PinnedBaseImages {
  return {
    builder: longestPin(baseImageRef(settings, context, 'builder', arch)),
    runtime: longestPin(baseImageRef(settings, context, 'runtime', arch)),
  };
}

/** A container with every step needed and the longest values its jobs can hold. */
function worstCase(input: PublishSplitInput, definition: ContainerDefinition): ContainerPublication {
  const { settings, context, generatedRoot } = input;
  // A Spack container's version is known once its environment is concretized; a .def's now.
  const version = definition.kind === 'custom' ? definition.fromTag : 'v'.repeat(Math.max(1, MAX_TAG_LENGTH - tagSuffix(context, definition.arch).length));
  const container = containerRelease(settings, context, definition, version, '', generatedRoot);
  const identity =
    definition.kind === 'custom'
      ? customIdentity(definition, longestPin(`${definition.fromImage}:${definition.fromTag}`))
      : spackIdentity(settings, SHA256, SHA256, worstCaseBases(input));
  return {
    container,
    identity,
    states: { image: 'missing', sif: 'missing', dockerHub: 'missing', reusable: {} },
    steps: { image: definition.kind === 'spack', sif: true, dockerHub: container.dockerHubImage !== undefined },
  };
}
