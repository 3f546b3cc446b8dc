import type { DefinitionSet } from '../definitions/definition.js';
import { containerVersion, planContainer, publishPipeline, type PlannedContainer } from '../containers/container-pipeline.js';
import type { CiContext } from '../gitlab/ci-context.js';
import { InputError, throwIfAny } from '../input/errors.js';
import type { PipelineFile } from '../pipeline/limits.js';
import { pathInOutput, pipelineFile, type OutputFile } from '../pipeline/write.js';
import type { Architecture, Settings } from '../settings/settings.js';
import type { SpackLock } from '../spack/lock.js';

export const PUBLISH_PIPELINE = 'containers.yml';

/** Where container-jobs writes an architecture's publishing pipeline and Dockerfiles. */
export function publishDir(generatedRoot: string, arch: Architecture): string {
  return `${generatedRoot}/${arch}/containers`;
}

export interface ContainerJobsInput {
  definitions: DefinitionSet;
  settings: Settings;
  context: CiContext;
  arch: Architecture;
  /** spack.lock of each Spack container, by name, as written by the generate jobs. */
  locks: Map<string, SpackLock>;
  dockerfileTemplate: string;
  /** The generated folder as the pipeline names it (`generated`); paths below it follow environmentPaths. */
  generatedRoot: string;
  /** Name of the job that runs this, whose artifacts the publishing jobs take. */
  writerJob: string;
}

export interface ContainerJobsResult {
  containers: PlannedContainer[];
  pipelines: PipelineFile[];
  files: OutputFile[];
}

/** The publishing pipeline of one architecture, from its definitions and concretized locks. */
export function containerJobs(input: ContainerJobsInput): ContainerJobsResult {
  const { settings, context, arch, generatedRoot } = input;
  const outputDir = publishDir(generatedRoot, arch);
  const errors: InputError[] = [];
  const containers: PlannedContainer[] = [];
  for (const definition of input.definitions.definitions.filter((d) => d.arch === arch)) {
    try {
      const lock = input.locks.get(definition.name);
      if (definition.kind === 'spack' && !lock) {
        throw new InputError({ file: definition.file }, `no spack.lock for "${definition.name}": its generate job did not run or failed`);
      }
      const version = containerVersion(definition, lock);
      containers.push(planContainer(settings, context, definition, version, input.dockerfileTemplate, generatedRoot));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      errors.push(error);
    }
  }
  throwIfAny(errors);
  const pipeline = publishPipeline(settings, context, arch, containers, input.writerJob, generatedRoot);
  const files = containers.flatMap((c) => (c.dockerfile ? [{ path: pathInOutput(outputDir, c.dockerfile.path), text: c.dockerfile.text }] : []));
  return { containers, pipelines: [pipelineFile(PUBLISH_PIPELINE, 2, pipeline)], files };
}
