import { noopJob } from '../pipeline/noop-job.js';
import { publishDir } from '../containers/container-release.js';
import { publishGroups, publishWriterJob, type PublishGroup } from './publish-split.js';
import type { DefinitionSet, SpackContainerDefinition } from '../definitions/definition.js';
import {
  baseImageRef,
  baseImagesPipeline,
  describeBaseImages,
  decideBaseImageSteps,
  shippedBaseImageFolder,
  type BaseImageInputs,
  type BaseImageStep,
} from '../containers/base-images.js';
import { cacheKind, type CiContext } from '../pipeline/ci-context.js';
import { SpacktainersError } from '../errors.js';
import { DEFAULT_LIMITS, type GitLabLimits, type PipelineFile } from '../pipeline/limits.js';
import type { ImageLookup } from '../registry/lookup.js';
import type { Job, Pipeline } from '../pipeline/model.js';
import { pathInOutput, pipelineFile, projectInputs, type OutputFile } from '../pipeline/output.js';
import { ROOT_JOBS } from '../pipeline/root-jobs.js';
import { sh, shellCommand } from '../pipeline/shell.js';
import {
  architectureNames,
  architectureSettings,
  bucketConnection,
  cacheConnection,
  mirrorUrl,
  s3CredentialAliases,
  settingsArguments,
  spackJobEnvironment,
  type Architecture,
  type Settings,
} from '../settings/settings.js';
import { buildJobSettings, environmentPaths, renderSpackEnvironment, spackOutputsRoot } from '../spack/environment.js';
import { spackGenerateScript } from '../spack/generate-script.js';
import { outputFolder, writeOutput } from './output.js';
import { loadBaseImageInputs, loadProject } from './project.js';
import { publishedState } from './published.js';
import { progressSink, type Terminal } from './terminal.js';
import { BASE_IMAGES_PIPELINE, MAIN_PIPELINE } from './file-names.js';

export interface CreateJobsInput {
  definitions: DefinitionSet;
  settings: Settings;
  context: CiContext;
  baseImages: BaseImageInputs[];
  /** Asked which base images the registry already holds; OFFLINE_IMAGES assumes none. */
  images: ImageLookup;
  /** The output folder as the root pipeline names it (artifact paths are relative to the project). */
  outputDir: string;
  /** GitLab's limits (--max-yaml-bytes); the container-jobs commands it writes are given the same. */
  limits?: GitLabLimits;
}

export interface CreateJobsResult {
  pipelines: PipelineFile[];
  files: OutputFile[];
  arches: Architecture[];
  /** What each base image needs; `copy` steps are for the caller to carry out (a registry write). */
  baseImageSteps: BaseImageStep[];
}

/** What `create-jobs` is asked, its options parsed. */
export interface CreateJobsOptions {
  definitions: string;
  settings: string;
  /** The output folder as the user gave it. */
  output: string;
  offline: boolean;
  limits: GitLabLimits;
}

/**
 * Read the project, make the root pipeline's files, carry out the base-image copies their steps
 * ask for, and write every file at once (nothing when a pipeline breaks a limit); prints each
 * base image's step and what was written.
 */
export async function writeRootPipelines(options: CreateJobsOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const { limits } = options;
  const project = await loadProject(options.definitions, options.settings, environment);
  const output = await outputFolder('--output', options.output, [options.definitions, options.settings, ...projectInputs(project.root)]);
  const { images } = await publishedState(project.settings, project.context.primaryArch, environment, options.offline, progressSink(terminal));
  const result = await createJobs({
    ...project,
    baseImages: await loadBaseImageInputs(project.root),
    images,
    outputDir: output.path,
    limits,
  });
  for (const step of result.baseImageSteps) {
    if (step.action !== 'copy') continue;
    const to = baseImageRef(project.settings, project.context, step.image.name, step.arch);
    await images.copy(step.from!, to);
    terminal.stdout.write(`base image ${step.image.name} (${step.arch}): copied ${step.from} to ${to}\n`);
  }
  await writeOutput(output, result.pipelines, result.files, limits);
  for (const step of result.baseImageSteps) {
    if (step.action !== 'copy') terminal.stdout.write(`base image ${step.image.name} (${step.arch}): ${step.action === 'build' ? 'build' : 'up to date'}\n`);
  }
  const counts = result.arches.map((arch) => `${arch}: ${project.definitions.definitions.filter((d) => d.arch === arch).length}`);
  terminal.stdout.write(
    `create-jobs: ${project.definitions.definitions.length} containers (${counts.join(', ') || 'none'}), ` +
      `${result.pipelines.length} pipelines and ${result.files.length} files written to ${output.path}/\n`,
  );
}

/**
 * Everything the root pipeline needs from the definitions, before Spack has run:
 * - base-images.yml: the child pipeline building the base images that changed;
 * - <arch>/environments/<name>/spack.yaml and <arch>/spack-generate.sh for the root's
 *   sharded generate jobs;
 * - spacktainers.yml: the child pipeline that publishes the containers once their
 *   environments are concretized and built.
 */
export async function createJobs(input: CreateJobsInput): Promise<CreateJobsResult> {
  const { definitions, settings, context, outputDir } = input;
  const arches = architectureNames(settings).filter((arch) => definitions.definitions.some((d) => d.arch === arch));
  const files: OutputFile[] = [];

  // Every architecture gets its generate script: the root runs the generate jobs of all.
  for (const arch of architectureNames(settings)) {
    const spackDefinitions = definitions.definitions.filter((d): d is SpackContainerDefinition => d.arch === arch && d.kind === 'spack');
    const build = buildJobSettings(settings, arch, baseImageRef(settings, context, 'builder', arch), mirrors(settings, context, arch), cacheKind(context));
    const targets = spackDefinitions.map((definition) => ({
      name: definition.name,
      paths: environmentPaths(arch, definition.name, outputDir),
    }));
    for (const [index, definition] of spackDefinitions.entries()) {
      files.push({
        path: pathInOutput(outputDir, `${targets[index]!.paths.environmentDir}/spack.yaml`),
        text: renderSpackEnvironment(definition, build),
      });
    }
    const cache = cacheConnection(settings, arch, cacheKind(context));
    files.push({
      path: `${arch}/spack-generate.sh`,
      text: spackGenerateScript(arch, targets, spackJobEnvironment(cache), s3CredentialAliases(cache), spackOutputsRoot(arch, outputDir)),
      mode: 0o755,
    });
  }

  // The build jobs see the project's checkout: the folders the package ships go into the output.
  for (const image of input.baseImages.filter((each) => each.shipped)) {
    for (const file of image.files)
      files.push({ path: pathInOutput(outputDir, `${shippedBaseImageFolder(outputDir, image.name)}/${file.path}`), text: file.content });
  }
  const baseImageSteps = await decideBaseImageSteps(settings, context, arches, describeBaseImages(settings, input.baseImages, outputDir), input.images);
  const pipelines = [
    pipelineFile(BASE_IMAGES_PIPELINE, 1, baseImagesPipeline(settings, context, arches, baseImageSteps)),
    pipelineFile(
      MAIN_PIPELINE,
      1,
      containersPipeline(
        settings,
        arches,
        outputDir,
        spackContainers(definitions),
        (arch) => publishGroups({ settings, context, arch, definitions: definitions.definitions, generatedRoot: outputDir, limits: input.limits }),
        input.limits ?? DEFAULT_LIMITS,
      ),
    ),
  ];
  return { pipelines, files, arches, baseImageSteps };
}

/**
 * Write to this branch's cache; off the default branch, also read the production cache, with
 * the development cache's credentials (the jobs hold no others), at its own endpoint.
 */
function mirrors(settings: Settings, context: CiContext, arch: Architecture) {
  const kind = cacheKind(context);
  const own = { name: 'spacktainers', url: mirrorUrl(settings, arch, kind) };
  if (context.isDefaultBranch) return [own];
  const endpoint = bucketConnection(settings, 'cache', arch).endpoint;
  const elsewhere = endpoint === cacheConnection(settings, arch, kind).endpoint ? {} : { endpoint };
  return [own, { name: 'production', url: mirrorUrl(settings, arch, 'production'), ...elsewhere }];
}

/** The names of each architecture's Spack containers. */
function spackContainers(definitions: DefinitionSet) {
  return (arch: Architecture) => new Set(definitions.definitions.filter((d) => d.arch === arch && d.kind === 'spack').map((d) => d.name));
}

/**
 * The container-publishing child of the root. Per architecture, `container-jobs:<arch>`
 * reads the concretized environments (artifacts of the root's generate jobs, through
 * process-spack-pipeline) and writes only the publishing jobs that are needed; a trigger job
 * per group of containers (publish-split.ts) runs its publishing pipeline as a grandchild of
 * the root, the deepest level GitLab allows, so the groups are triggered from here.
 */
function containersPipeline(
  settings: Settings,
  arches: Architecture[],
  outputDir: string,
  spackNames: (arch: Architecture) => Set<string>,
  groupsOf: (arch: Architecture) => PublishGroup[],
  limits: GitLabLimits,
): Pipeline {
  const withSpack = (arch: Architecture) => spackNames(arch).size > 0;
  const jobs = new Map<string, Job>();
  const triggers = new Map<Architecture, string[]>();
  for (const arch of arches) {
    const writer = publishWriterJob(arch);
    jobs.set(writer, {
      stage: 'plan',
      image: settings.images.generator,
      tags: architectureSettings(settings, arch).runnerTags,
      needs: withSpack(arch)
        ? [{ pipeline: '$PARENT_PIPELINE_ID', job: ROOT_JOBS.processSpackPipeline(arch) }]
        : [{ pipeline: '$PARENT_PIPELINE_ID', job: ROOT_JOBS.createJobs }],
      script: [
        // container-jobs must divide the containers as the trigger jobs below expect.
        shellCommand(
          sh`spacktainers container-jobs --arch`,
          arch,
          sh`--generated`,
          outputDir,
          ...(limits.maxYamlBytes === DEFAULT_LIMITS.maxYamlBytes ? [] : [sh`--max-yaml-bytes`, String(limits.maxYamlBytes)]),
          ...settingsArguments(settings),
        ),
      ],
      artifacts: { paths: [`${outputDir}/${arch}/`], expire_in: '1 week' },
    });
    const groups = groupsOf(arch);
    for (const group of groups) {
      jobs.set(group.trigger, {
        stage: 'publish',
        needs: [writer],
        trigger: {
          include: [{ artifact: `${publishDir(outputDir, arch)}/${group.file}`, job: writer }],
          strategy: 'depend',
        },
        variables: { PARENT_PIPELINE_ID: '$CI_PIPELINE_ID' },
      });
    }
    triggers.set(
      arch,
      groups.map((group) => group.trigger),
    );
  }
  const multiArch = arches.filter(withSpack);
  const [first, ...others] = multiArch.map(spackNames);
  if (first && others.some((names) => [...names].some((name) => first.has(name)))) {
    // Same container on several architectures: once all are published, one tag joins them.
    const needs = [
      ...multiArch.map((arch) => ({ pipeline: '$PARENT_PIPELINE_ID', job: ROOT_JOBS.processSpackPipeline(arch) })),
      ...multiArch.flatMap((arch) => triggers.get(arch)!),
    ];
    if (needs.length > limits.maxNeeds) {
      const counts = multiArch.map((arch) => `${triggers.get(arch)!.length} for ${arch}`).join(', ');
      throw SpacktainersError.input(
        { file: 'container_definitions' },
        `the containers need ${counts} publishing pipelines, and multi-arch-manifests would wait for ${needs.length} jobs, over the ${limits.maxNeeds} needs GitLab allows`,
      );
    }
    jobs.set('multi-arch-manifests', {
      stage: 'manifests',
      image: settings.images.generator,
      tags: architectureSettings(settings, multiArch[0]!).runnerTags,
      needs,
      script: [shellCommand(sh`spacktainers multi-arch-manifests --generated`, outputDir, ...settingsArguments(settings))],
    });
  }
  if (jobs.size === 0) jobs.set('no-containers', noopJob('plan', settings.images.generator, 'No container definitions are switched on.'));
  return {
    header: ['Generated by spacktainers create-jobs: publish the containers of every architecture.'],
    stages: ['plan', 'publish', 'manifests'],
    jobs,
  };
}
