import { noopJob } from '../pipeline/noop-job.js';
import { SpacktainersError } from '../errors.js';
import { DEFAULT_LIMITS, type GitLabLimits, type PipelineFile } from '../pipeline/limits.js';
import { isPassThroughJob, type ExtendingJob, type Job, type Pipeline, type ScriptJob, type TriggerJob, type Variables } from '../pipeline/model.js';
import { renderJob, renderNeed, withNeedsKept, yamlBytes } from '../pipeline/render.js';
import { ciVariable, renderCommand, sh, shellCommand } from '../pipeline/shell.js';
import { pipelineFile } from '../pipeline/output.js';
import { ROOT_JOBS } from '../pipeline/root-jobs.js';
import {
  cacheResourceGroup,
  mirrorUrl,
  architectureSettings,
  cacheConnection,
  lightRunnerTags,
  s3CredentialAliases,
  settingsArguments,
  spackJobEnvironment,
  type Architecture,
  type BucketConnection,
  type CacheKind,
  type Settings,
} from '../settings/settings.js';
import { mergeSpackPipelines, neededInTurn, type SpackBuildGraph } from './merge.js';
import { planReport, type PlanReport } from './plan-report.js';
import { splitBuildGraph, type BuildSplit, type ChildLinks, type JobEstimate } from './split.js';
import {
  BUILD_PIPELINE_VARIABLE,
  FAILURE_JOB,
  FAILURE_STAGE,
  PRODUCER_VARIABLE,
  SPEC_KEY_VARIABLE,
  specKey,
  splitWaits,
  waitStarts,
  type SpecWait,
  type SplitWaits,
  WAIT_TEMPLATE,
  WAIT_TIMEOUT_MINUTES,
  waitJobName,
  WAITS_FOR_VARIABLE,
} from './wait-jobs.js';
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
  /**
   * How a job waits for a spec built in another child (split.ts). Default: wait jobs where the
   * architecture has light runners (`lightRunnerTags`), else triggers: wait jobs on the build
   * runners could hold every slot while the builds they wait for queue.
   */
  links?: ChildLinks | undefined;
}

export interface SpackPipelineResult {
  /** spack-pipeline.yml first, then the child files; paths relative to the output folder. */
  pipelines: PipelineFile[];
  plan: PlanReport;
  graph: SpackBuildGraph;
  split: BuildSplit;
  waits: SplitWaits;
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
  const waiting = waitingJobs(options);
  const overhead = (links: ChildLinks) =>
    yamlBytes(
      childPipeline(999, 999, [...stages, FAILURE_STAGE], variables, links === 'wait-jobs' ? [...waiting.fixed, [FAILURE_JOB, waiting.failure(999)]] : []),
    );
  const fileBudget = Math.min(limits.maxYamlBytes, limits.maxArtifactBytes);
  // Each job is rendered once, with every need: its size, an upper bound of its text in any
  // child, and the text the child file cuts needs out of.
  const render = (job: SpackBuildJob) => renderJob(job.name, { passThrough: withMirror(job, job.body.needs as unknown[]) });
  const jobTexts = new Map(graph.jobs.map((job) => [job.name, render(job)]));
  const jobBytes = new Map([...jobTexts].map(([name, text]) => [name, Buffer.byteLength(text)]));
  // Each job's text is let go once its child file has it; a second try renders it again.
  const jobText = (name: string) => {
    const text = jobTexts.get(name) ?? render(graph.byName.get(name)!);
    jobTexts.delete(name);
    return text;
  };
  const context: ChildContext = {
    stages,
    variables,
    waiting,
    spackVersion: options.settings.spack.version,
    estimate: options.estimate,
    maxNeeds: limits.maxNeeds,
    withMirror,
  };
  let links = options.links ?? (architectureSettings(options.settings, options.arch).lightRunnerTags ? 'wait-jobs' : 'triggers');
  let budget = fileBudget - overhead(links);
  let sizes = jobBytes;
  let split: BuildSplit;
  let waits: SplitWaits;
  let children: PipelineFile[];
  for (let attempt = 1; ; attempt++) {
    if (links === 'wait-jobs' && Math.max(...sizes.values()) > budget) {
      [links, sizes] = ['triggers', jobBytes];
      budget = fileBudget - overhead(links);
    }
    split = splitBuildGraph(graph, sizes, budget, limits.maxDownstreamPipelines - 1, options.estimate, links);
    waits = splitWaits(graph, split);
    children = childFiles(graph, split, waits, jobText, context);
    const largest = Math.max(...children.map((child) => Buffer.byteLength(child.text)));
    if (largest <= fileBudget) break;
    // The split packs build jobs by their size; the wait jobs a child gets come on top. Each
    // counts with the first job needing it in the next try, then the room for jobs shrinks;
    // when even the largest job with its waits cannot fit, children wait for whole children.
    if (attempt < 3) sizes = withWaitBytes(jobBytes, graph, split, waits, context);
    else budget -= largest - fileBudget;
  }
  const root = pipelineFile(
    SPACK_PIPELINE_FILE,
    1,
    graph.jobs.length === 0 ? nothingToBuild(graph, options) : triggerPipeline(graph, split, waits, options, variables, mirror, limits.maxNeeds),
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

  const pipelines = [root, ...children];
  const plan = planReport(options.arch, limits, graph, split, waits, children);
  return { pipelines, plan, graph, split, waits };
}

/** The jobs every child with wait jobs holds once: the template of its wait jobs, and its failure job. */
interface WaitingJobs {
  fixed: [string, Job][];
  failure: (child: number) => ScriptJob;
}

function waitingJobs({ settings, arch, cache }: SpackPipelineOptions): WaitingJobs {
  const common = { image: settings.images.generator, tags: lightRunnerTags(settings, arch) };
  const cacheOptions = ['--arch', arch, '--cache', cache, ...settingsArguments(settings)];
  const template: ScriptJob = {
    ...common,
    needs: [],
    // A few minutes more than the command waits, so that it says why it stops.
    timeout: `${WAIT_TIMEOUT_MINUTES + 10} minutes`,
    interruptible: true,
    retry: { max: 2, when: ['runner_system_failure', 'api_failure'] },
    script: [
      shellCommand(
        sh`spacktainers spack wait`,
        ...cacheOptions,
        '--pipeline',
        ciVariable(BUILD_PIPELINE_VARIABLE),
        '--producer',
        ciVariable(PRODUCER_VARIABLE),
        '--job',
        ciVariable(WAITS_FOR_VARIABLE),
        '--spec-key',
        ciVariable(SPEC_KEY_VARIABLE),
        '--timeout-minutes',
        String(WAIT_TIMEOUT_MINUTES),
      ),
    ],
  };
  return {
    fixed: [[WAIT_TEMPLATE, template]],
    failure: (child) => ({
      ...common,
      stage: FAILURE_STAGE,
      // Runs when a job of an earlier stage failed, once every job of the child has ended.
      when: 'on_failure',
      retry: { max: 2, when: ['runner_system_failure', 'api_failure', 'script_failure'] },
      script: [
        shellCommand(sh`spacktainers spack mark-failed`, ...cacheOptions, '--pipeline', ciVariable(BUILD_PIPELINE_VARIABLE), '--producer', childName(child)),
      ],
    }),
  };
}

/** The job of a child waiting for a spec of another. */
function waitJob(graph: SpackBuildGraph, { job, producer }: SpecWait, spackVersion: string, startSeconds = 0): [string, ExtendingJob] {
  const built = graph.byName.get(job)!;
  return [
    waitJobName(built),
    {
      extends: WAIT_TEMPLATE,
      // The stage of the job it waits for: before every job needing it.
      stage: `stage-${built.stage}`,
      ...(startSeconds > 0 && { when: 'delayed', start_in: `${startSeconds / 60} minutes` }),
      variables: { [WAITS_FOR_VARIABLE]: job, [SPEC_KEY_VARIABLE]: specKey(built, spackVersion), [PRODUCER_VARIABLE]: childName(producer) },
    },
  ];
}

/** Job sizes with the bytes of each wait job of `split` added to the first job of its child needing it. */
function withWaitBytes(
  jobBytes: Map<string, number>,
  graph: SpackBuildGraph,
  split: BuildSplit,
  waits: SplitWaits,
  context: ChildContext,
): Map<string, number> {
  const sizes = new Map(jobBytes);
  split.children.forEach((names, index) => {
    const pending = new Map(waits.children[index]!.map((wait) => [wait.job, wait]));
    for (const name of names) {
      for (const dependency of waits.ofJob.get(name) ?? []) {
        const wait = pending.get(dependency);
        if (!wait) continue;
        pending.delete(dependency);
        sizes.set(name, sizes.get(name)! + Buffer.byteLength(renderJob(...waitJob(graph, wait, context.spackVersion))));
      }
    }
  });
  return sizes;
}

interface ChildContext {
  /** Every stage of the build jobs, in order. */
  stages: string[];
  variables: Variables;
  waiting: WaitingJobs;
  /** The Spack of the builds (settings), which says where a spec file is. */
  spackVersion: string;
  /** Build time estimates, to delay wait jobs until their spec is near. */
  estimate: JobEstimate | undefined;
  maxNeeds: number;
  withMirror: (job: SpackBuildJob, needs: unknown[]) => Record<string, unknown>;
}

/**
 * The child pipeline files of a split. A need on a job of another child is dropped (triggers)
 * or becomes a need on the wait job for it (wait jobs); a child whose specs others wait for
 * gets the failure job that stops those waits.
 */
function childFiles(graph: SpackBuildGraph, split: BuildSplit, waits: SplitWaits, jobText: (name: string) => string, context: ChildContext): PipelineFile[] {
  const starts = context.estimate && split.links === 'wait-jobs' ? waitStarts(graph, split, context.estimate, waits) : undefined;
  const producers = new Set(waits.children.flat().map((wait) => wait.producer));
  return split.children.map((names, index) => {
    const waitNames = new Map(waits.children[index]!.map((wait) => [wait.job, waitJobName(graph.byName.get(wait.job)!)]));
    const texts = new Map<string, string>();
    const jobs: [string, Job][] = names.map((name) => {
      const job = graph.byName.get(name)!;
      const waited = new Set(waits.ofJob.get(name));
      const onWait = (need: Record<string, unknown>) =>
        need.pipeline === undefined && waited.has(need.job as string) ? waitNames.get(need.job as string) : undefined;
      const all = job.body.needs as Record<string, unknown>[];
      const usable = all.filter((need) => need.pipeline !== undefined || split.childOf.get(need.job as string) === index || onWait(need) !== undefined);
      const needs = new Set(withinNeedLimit(graph, job, usable, context.maxNeeds));
      const rewritten = (need: Record<string, unknown>) => {
        const wait = onWait(need);
        return wait === undefined ? need : { job: wait, artifacts: false };
      };
      texts.set(
        name,
        withNeedsKept(
          jobText(name),
          all.map((need) => (!needs.has(need) ? false : onWait(need) === undefined ? true : renderNeed(rewritten(need)))),
        ),
      );
      return [name, { passThrough: context.withMirror(job, [...needs].map(rewritten)) }];
    });
    const waitJobs = waits.children[index]!.map((wait) => waitJob(graph, wait, context.spackVersion, starts?.[index]!.get(wait.job)));
    const failure = producers.has(index) ? [[FAILURE_JOB, context.waiting.failure(index)] as [string, Job]] : [];
    const all = [...(waitJobs.length > 0 ? context.waiting.fixed : []), ...waitJobs, ...jobs, ...failure];
    const used = new Set(all.map(([, job]) => (isPassThroughJob(job) ? (job.passThrough.stage as string) : job.stage)));
    const childStages = [...context.stages, FAILURE_STAGE].filter((stage) => used.has(stage));
    return pipelineFile(`${childName(index)}.yml`, 2, childPipeline(index + 1, split.children.length, childStages, context.variables, all), texts);
  });
}

function childName(index: number): string {
  return `spack-build-${String(index + 1).padStart(3, '0')}`;
}

function childPipeline(number: number, count: number, stages: string[], variables: Variables, jobs: [string, Job][]): Pipeline {
  return {
    header: [`Spack build jobs, child pipeline ${number} of ${count}. Generated by spacktainers process-spack-pipeline.`],
    workflow: { rules: [{ when: 'always' }] },
    stages,
    variables,
    jobs: new Map(jobs),
  };
}

/**
 * Needs a job keeps in its child (on its jobs, or on its wait jobs). Over the limit, a need already implied by another need
 * (a dependency of a dependency) is dropped: the order GitLab enforces stays the same.
 */
function withinNeedLimit(graph: SpackBuildGraph, job: SpackBuildJob, needs: Record<string, unknown>[], maxNeeds: number): Record<string, unknown>[] {
  if (needs.length <= maxNeeds) return needs;
  const implied = neededInTurn(
    graph,
    needs.filter((need) => need.pipeline === undefined).map((need) => need.job as string),
  );
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
  waits: SplitWaits,
  options: SpackPipelineOptions,
  variables: Variables,
  mirror: string,
  maxNeeds: number,
): Pipeline {
  const jobs = new Map<string, Job>();
  const light = { image: options.settings.images.generator, tags: lightRunnerTags(options.settings, options.arch) };
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
  // The wait jobs and failure jobs of the children name this pipeline's run in the markers.
  const runVariables = waits.children.some((list) => list.length > 0) ? { variables: { [BUILD_PIPELINE_VARIABLE]: '$CI_PIPELINE_ID' } } : {};
  split.waitsFor.forEach((waitsFor, index) => {
    const trigger: TriggerJob = {
      stage: BUILD_STAGE,
      needs: [RELAY_JOB, ...gathered(waitsFor.map(childName), maxNeeds - 1)],
      ...runVariables,
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
