import { noopJob } from '../pipeline/noop-job.js';
import { SpacktainersError } from '../errors.js';
import { DEFAULT_LIMITS, type GitLabLimits, type PipelineFile } from '../pipeline/limits.js';
import type { Job, Pipeline, ScriptJob, TriggerJob, Variables } from '../pipeline/model.js';
import { renderJob, withNeedsKept, yamlBytes } from '../pipeline/render.js';
import { renderCommand, sh, shellCommand } from '../pipeline/shell.js';
import { pipelineFile } from '../pipeline/output.js';
import { ROOT_JOBS } from '../pipeline/root-jobs.js';
import {
  cacheResourceGroup,
  mirrorUrl,
  architectureSettings,
  cacheConnection,
  s3CredentialAliases,
  spackJobEnvironment,
  type Architecture,
  type BucketConnection,
  type CacheKind,
  type Settings,
} from '../settings/settings.js';
import { mergeSpackPipelines, type SpackBuildGraph } from './merge.js';
import { planReport, type PlanReport } from './plan-report.js';
import { splitBuildGraph, type BuildSplit, type JobEstimate } from './split.js';
import { NOOP_JOB, REBUILD_INDEX_JOB, type SpackBuildJob, type SpackPipeline } from './generate-output-parser.js';

/** The pipeline the root triggers, beside the child files in the output folder. */
export const SPACK_PIPELINE_FILE = 'spack-pipeline.yml';
/**
 * Re-publishes the child files inside the triggered pipeline: `trigger:include:artifact` can
 * only name a job of the trigger job's own pipeline, and the files were made in the root.
 */
export const RELAY_JOB = 'collect-child-pipelines';
/**
 * Jobs that end when a group of child pipelines has: a trigger job waiting for more children
 * than `needs` can list waits for these instead.
 */
export const CHILD_GROUP_PREFIX = 'spack-build-group-';
const BUILD_STAGE = 'build';
const REBUILD_INDEX_STAGE = 'stage-rebuild-index';

export interface SpackPipelineOptions {
  settings: Settings;
  arch: Architecture;
  cache: CacheKind;
  /** The output folder as a path relative to CI_PROJECT_DIR, where GitLab looks for artifacts. */
  outputPath: string;
  limits?: GitLabLimits;
  /**
   * Seconds each build job is expected to take (from `--durations`), for the split to place
   * work by; without it every job costs the same.
   */
  estimate?: JobEstimate;
}

export interface SpackPipelineResult {
  /** spack-pipeline.yml first, then the child files; paths relative to the output folder. */
  pipelines: PipelineFile[];
  plan: PlanReport;
  graph: SpackBuildGraph;
  split: BuildSplit;
}

/**
 * Merge `spack ci generate` outputs and turn them into spack-pipeline.yml (runs at depth 1)
 * and child pipelines of build jobs (depth 2), each within GitLab's limits.
 */
export function buildSpackPipeline(inputs: Iterable<SpackPipeline>, options: SpackPipelineOptions): SpackPipelineResult {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const graph = mergeSpackPipelines(inputs);
  const mirror = mirrorUrl(options.settings, options.arch, options.cache);
  const variables = cacheVariables(cacheConnection(options.settings, options.arch, options.cache));
  const withMirror = (job: SpackBuildJob, needs: unknown[]) => ({
    ...job.body,
    needs,
    // Builds push to the architecture's cache for this branch, whatever mirror Spack was given.
    variables: { ...(job.body.variables as Variables), SPACK_REMOTE_MIRROR_URL: mirror },
  });

  const stages = [...new Set(graph.jobs.map((job) => job.stage))].sort((a, b) => a - b).map((n) => `stage-${n}`);
  const overhead = yamlBytes(childPipeline(999, 999, stages, variables, []));
  const fileBudget = Math.min(limits.maxYamlBytes, limits.maxArtifactBytes);
  const budget = fileBudget - overhead;
  // Each job is rendered once, with every need: its size, an upper bound of its text in any
  // child, and the text the child file cuts needs out of.
  const jobTexts = new Map(graph.jobs.map((job) => [job.name, renderJob(job.name, { passThrough: withMirror(job, job.body.needs as unknown[]) })]));
  const jobBytes = new Map([...jobTexts].map(([name, text]) => [name, Buffer.byteLength(text)]));
  const split = splitBuildGraph(graph, jobBytes, budget, limits.maxDownstreamPipelines - 1, options.estimate);
  const root = pipelineFile(
    SPACK_PIPELINE_FILE,
    1,
    graph.jobs.length === 0 ? nothingToBuild(graph, options) : triggerPipeline(graph, split, options, variables, mirror, limits.maxNeeds),
  );
  const rootBytes = Buffer.byteLength(root.text);
  if (rootBytes > fileBudget) {
    // It cannot be split: a third level of pipelines is beyond GitLab's depth.
    throw new SpacktainersError(
      'limit',
      `${SPACK_PIPELINE_FILE} would be ${rootBytes} bytes to trigger ${split.children.length} child pipelines, over the budget of ${fileBudget} bytes per file; raise it`,
      { location: { option: '--max-yaml-bytes' } },
    );
  }

  const children = split.children.map((names, index) => {
    const texts = new Map<string, string>();
    const jobs = names.map((name) => {
      const job = graph.byName.get(name)!;
      const all = job.body.needs as Record<string, unknown>[];
      const inChild = all.filter((need) => need.pipeline !== undefined || split.childOf.get(need.job as string) === index);
      const needs = new Set(withinNeedLimit(graph, job, inChild, limits.maxNeeds));
      texts.set(
        name,
        withNeedsKept(
          jobTexts.get(name)!,
          all.map((need) => needs.has(need)),
        ),
      );
      // Each job is in one child: its text is let go as the children's are made.
      jobTexts.delete(name);
      return [name, withMirror(job, [...needs])] as [string, Record<string, unknown>];
    });
    const used = stages.filter((stage) => jobs.some(([, body]) => body.stage === stage));
    const name = childName(index);
    return pipelineFile(`${name}.yml`, 2, childPipeline(index + 1, split.children.length, used, variables, jobs), texts);
  });

  const pipelines = [root, ...children];
  const plan = planReport(options.arch, limits, graph, split, children);
  return { pipelines, plan, graph, split };
}

function childName(index: number): string {
  return `spack-build-${String(index + 1).padStart(3, '0')}`;
}

function childPipeline(number: number, count: number, stages: string[], variables: Variables, jobs: [string, Record<string, unknown>][]): Pipeline {
  return {
    header: [`Spack build jobs, child pipeline ${number} of ${count}. Generated by spacktainers process-spack-pipeline.`],
    workflow: { rules: [{ when: 'always' }] },
    stages,
    variables,
    jobs: new Map(jobs.map(([name, body]) => [name, { passThrough: body }])),
  };
}

/**
 * Needs a job keeps inside its child. Over the limit, a need already implied by another need
 * (a dependency of a dependency) is dropped: the order GitLab enforces stays the same.
 */
function withinNeedLimit(graph: SpackBuildGraph, job: SpackBuildJob, needs: Record<string, unknown>[], maxNeeds: number): Record<string, unknown>[] {
  if (needs.length <= maxNeeds) return needs;
  const implied = new Set<string>();
  const collect = (name: string) => {
    for (const dependency of graph.byName.get(name)!.dependencies) {
      if (!implied.has(dependency)) {
        implied.add(dependency);
        collect(dependency);
      }
    }
  };
  for (const need of needs) if (need.pipeline === undefined) collect(need.job as string);
  const reduced = needs.filter((need) => need.pipeline !== undefined || !implied.has(need.job as string));
  if (reduced.length > maxNeeds) {
    throw SpacktainersError.input(
      { file: job.file, key: job.name },
      `needs ${reduced.length} jobs that none of the others already needs, over the ${maxNeeds} GitLab allows (--max-needs)`,
    );
  }
  return reduced;
}

/** The pipeline that triggers each child once the children it waits for have finished. */
function triggerPipeline(
  graph: SpackBuildGraph,
  split: BuildSplit,
  options: SpackPipelineOptions,
  variables: Variables,
  mirror: string,
  maxNeeds: number,
): Pipeline {
  const jobs = new Map<string, Job>();
  const light = { image: options.settings.images.generator, tags: architectureSettings(options.settings, options.arch).runnerTags };
  const relay: ScriptJob = {
    stage: RELAY_JOB,
    ...light,
    needs: [{ pipeline: '$PARENT_PIPELINE_ID', job: ROOT_JOBS.processSpackPipeline(options.arch) }],
    script: [shellCommand(sh`ls -l`, options.outputPath)],
    artifacts: { paths: [options.outputPath] },
  };
  jobs.set(RELAY_JOB, relay);
  const groups = new Map<string, string>();
  /**
   * At most `room` needs standing for `names`: over it, light jobs in groups of `maxNeeds`
   * stand for them (a job that needs a group of triggers ends when they all have), as a tree.
   */
  const gathered = (names: string[], room: number): string[] => {
    if (names.length <= room) return names;
    if (maxNeeds < 2) {
      throw new SpacktainersError('limit', `a child pipeline waits for ${names.length} others; with ${maxNeeds} need a trigger job cannot wait for any`, {
        location: { option: '--max-needs' },
      });
    }
    const next: string[] = [];
    for (let at = 0; at < names.length; at += maxNeeds) {
      const members = names.slice(at, at + maxNeeds);
      const key = members.join(' ');
      let group = groups.get(key);
      if (group === undefined) {
        group = `${CHILD_GROUP_PREFIX}${String(groups.size + 1).padStart(3, '0')}`;
        groups.set(key, group);
        jobs.set(group, { ...light, stage: BUILD_STAGE, needs: members, script: [shellCommand(sh`true`)] });
      }
      next.push(group);
    }
    return gathered(next, room);
  };
  split.waitsFor.forEach((waitsFor, index) => {
    const trigger: TriggerJob = {
      stage: BUILD_STAGE,
      needs: [RELAY_JOB, ...gathered(waitsFor.map(childName), maxNeeds - 1)],
      trigger: { include: [{ artifact: `${options.outputPath}/${childName(index)}.yml`, job: RELAY_JOB }], strategy: 'depend' },
    };
    jobs.set(childName(index), trigger);
  });
  const stages = [RELAY_JOB, BUILD_STAGE];
  if (graph.rebuildIndex) {
    // No needs: in the last stage it waits for every trigger, hence for every build, which a
    // needs list could not say beyond 50 children.
    jobs.set(REBUILD_INDEX_JOB, {
      passThrough: {
        ...graph.rebuildIndex,
        stage: REBUILD_INDEX_STAGE,
        resource_group: cacheResourceGroup(options.settings, options.arch, options.cache),
        // Ours in Spack's job: rendered here, as the rest of its body is Spack's text.
        script: [renderCommand(shellCommand(sh`spack buildcache update-index --keys`, mirror))],
      },
    });
    stages.push(REBUILD_INDEX_STAGE);
  }
  return {
    header: ['Spack build pipeline: triggers the child pipelines of build jobs. Generated by spacktainers process-spack-pipeline.', cacheNote(options, mirror)],
    workflow: { rules: [{ when: 'always' }] },
    stages,
    variables,
    jobs,
  };
}

/**
 * Which cache the builds write and with which key pair, said where a reviewer reads the
 * pipeline: off the default branch, whether the production cache's key pair is kept out.
 */
function cacheNote({ settings, arch, cache }: SpackPipelineOptions, mirror: string): string {
  const { accessKeyVariable, secretKeyVariable } = cacheConnection(settings, arch, cache);
  const production = cacheConnection(settings, arch, 'production');
  const shared = production.accessKeyVariable === accessKeyVariable || production.secretKeyVariable === secretKeyVariable;
  const keptOut = shared ? "; it is the production cache's too (settings s3.cache: docs/settings.md)" : "; the production cache's is for protected refs only";
  return `Builds push to ${mirror} (the ${cache} build cache) with the key pair in the CI variables ${accessKeyVariable} and ${secretKeyVariable}${cache === 'development' ? keptOut : ''}.`;
}

/** Our no-op job with its stage last, where Spack's own no-op job carries it. */
function ourNoop(message: string, settings: Settings, arch: Architecture): Job {
  const { stage, ...job } = noopJob(BUILD_STAGE, settings.images.generator, message, architectureSettings(settings, arch).runnerTags);
  return { ...job, stage };
}

/**
 * Every input had nothing to rebuild: Spack's own no-op job, alone. Without any input (an
 * architecture with no Spack container) there is no Spack job to keep, so one of ours.
 */
function nothingToBuild(graph: SpackBuildGraph, { settings, arch }: SpackPipelineOptions): Pipeline {
  const noop: Job = graph.noop
    ? { passThrough: { ...graph.noop, stage: BUILD_STAGE } }
    : ourNoop(`No Spack environment for ${arch}: nothing to build.`, settings, arch);
  return {
    header: ['Every spec is already in the build cache. Generated by spacktainers process-spack-pipeline.'],
    workflow: { rules: [{ when: 'always' }] },
    // Spack's job has no stage; named here, it cannot depend on GitLab's default stages.
    stages: [BUILD_STAGE],
    jobs: new Map([[NOOP_JOB, noop]]),
  };
}

/**
 * Variables every build job needs to reach the S3 build cache it writes. Credentials are
 * references to the CI variables named in the settings, never values.
 */
function cacheVariables(connection: BucketConnection): Variables {
  const references = Object.entries(s3CredentialAliases(connection)).map(([name, variable]): [string, string] => [name, `$${variable}`]);
  return { ...spackJobEnvironment(connection), ...Object.fromEntries(references) };
}
