import { load } from 'js-yaml';
import { isPassThroughJob, isTriggerJob, MAX_JOB_NAME_LENGTH, type Job, type Pipeline } from './model.js';

/**
 * GitLab's server-side limits (fixtures/gitlab-ci-schema/LIMITS.md). The JSON Schema does not
 * encode them, and GitLab refuses the whole pipeline when one is broken, so every pipeline is
 * checked before it is written.
 */
export interface GitLabLimits {
  /** Budget for one YAML file's text; GitLab measures parsed objects, so stay well below 2 MB. */
  maxYamlBytes: number;
  /** `ci_max_needs`, applies to trigger jobs too. */
  maxNeeds: number;
  /** Depth below the root: root 0, child 1, grandchild 2 (MAX_DESCENDANTS_DEPTH). */
  maxDepth: number;
  /** Size of the artifact file holding a child pipeline (`trigger:include:artifact`). */
  maxArtifactBytes: number;
  maxTriggerIncludes: number;
  /** Downstream pipelines in one hierarchy. */
  maxDownstreamPipelines: number;
}

export const DEFAULT_LIMITS: GitLabLimits = {
  maxYamlBytes: 1_000_000,
  maxNeeds: 50,
  maxDepth: 2,
  maxArtifactBytes: 5 * 1024 * 1024,
  maxTriggerIncludes: 3,
  maxDownstreamPipelines: 1000,
};

/** GitLab's `stages` when a file has none; `.pre` and `.post` exist in every pipeline. */
const GITLAB_DEFAULT_STAGES = ['build', 'test', 'deploy'];
const ALWAYS_STAGES = ['.pre', '.post'];
/** The stage GitLab gives a job without `stage:`. */
const DEFAULT_JOB_STAGE = 'test';

/** A pipeline as written: its path, how deep below the root it runs, and its text. */
export interface PipelineFile {
  path: string;
  depth: number;
  pipeline: Pipeline;
  text: string;
}

/** A written pipeline file read back from its text, to check what was written (tests, benchmarks). */
export function readPipelineFile(filePath: string, depth: number, text: string): PipelineFile {
  const { stages, workflow, variables, ...jobs } = load(text) as Record<string, unknown>;
  const pipeline: Pipeline = { jobs: new Map(Object.entries(jobs) as [string, Job][]) };
  if (stages !== undefined) pipeline.stages = stages as string[];
  if (workflow !== undefined) pipeline.workflow = workflow as NonNullable<Pipeline['workflow']>;
  if (variables !== undefined) pipeline.variables = variables as NonNullable<Pipeline['variables']>;
  return { path: filePath, depth, pipeline, text };
}

/** Every way `file` breaks GitLab's limits, as readable sentences (empty when it is fine). */
export function limitViolations(file: PipelineFile, limits: GitLabLimits = DEFAULT_LIMITS): string[] {
  const problems: string[] = [];
  const bytes = Buffer.byteLength(file.text);
  const budget = Math.min(limits.maxYamlBytes, limits.maxArtifactBytes);
  if (bytes > budget) problems.push(`${file.path}: ${bytes} bytes of YAML, over the budget of ${budget}`);
  if (file.depth > limits.maxDepth) problems.push(`${file.path}: runs at depth ${file.depth}, GitLab allows ${limits.maxDepth}`);
  for (const [name, job] of file.pipeline.jobs) {
    // A hidden job is only a template for others (`extends`); GitLab never runs it.
    if (name.startsWith('.')) continue;
    if (name.length > MAX_JOB_NAME_LENGTH) problems.push(`${file.path}: job name longer than ${MAX_JOB_NAME_LENGTH}: ${name.slice(0, 60)}…`);
    const needs = isPassThroughJob(job) ? job.passThrough.needs : job.needs;
    if (Array.isArray(needs) && needs.length > limits.maxNeeds) {
      problems.push(`${file.path}: job "${name}" has ${needs.length} needs, GitLab allows ${limits.maxNeeds}`);
    }
    for (const need of Array.isArray(needs) ? needs : []) {
      const target = localNeed(need);
      if (target !== undefined && !file.pipeline.jobs.has(target)) {
        problems.push(`${file.path}: job "${name}" needs "${target}", which is not in this pipeline`);
      }
    }
    const stage = isPassThroughJob(job) ? job.passThrough.stage : job.stage;
    const stages = file.pipeline.stages ?? GITLAB_DEFAULT_STAGES;
    if (stage === undefined && !stages.includes(DEFAULT_JOB_STAGE)) {
      problems.push(`${file.path}: job "${name}" has no stage, so GitLab puts it in "${DEFAULT_JOB_STAGE}", which is not in stages (${stages.join(', ')})`);
    } else if (typeof stage === 'string' && !ALWAYS_STAGES.includes(stage) && !stages.includes(stage)) {
      problems.push(`${file.path}: job "${name}" uses stage "${stage}", which is not in stages (${stages.join(', ')})`);
    }
    if (isTriggerJob(job)) {
      if (file.depth >= limits.maxDepth) {
        problems.push(`${file.path}: trigger job "${name}" would start a pipeline deeper than GitLab allows`);
      }
      const includes = Array.isArray(job.trigger.include) ? job.trigger.include.length : 1;
      if (includes > limits.maxTriggerIncludes) problems.push(`${file.path}: trigger job "${name}" has ${includes} includes`);
      for (const include of Array.isArray(job.trigger.include) ? job.trigger.include : []) {
        if (!file.pipeline.jobs.has(include.job)) {
          problems.push(`${file.path}: trigger job "${name}" includes an artifact of "${include.job}", which is not in this pipeline`);
        }
      }
    }
  }
  return problems;
}

/** The job of this pipeline a `needs` entry names; undefined for another pipeline's job. */
function localNeed(need: unknown): string | undefined {
  if (typeof need === 'string') return need;
  if (typeof need === 'object' && need !== null && !('pipeline' in need) && 'job' in need) return String(need.job);
  return undefined;
}
