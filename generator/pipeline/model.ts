/**
 * GitLab CI configuration as plain typed data. Everything the generator emits is built as a
 * `Pipeline` value and turned into YAML once, by `renderPipeline`, when it is written.
 * Only the keywords spacktainers uses are modelled; Spack's own job bodies are carried through
 * as `SpackJobBody` (see spack/) so that no key Spack emits is lost.
 */

import type { ShellCommand } from './shell.js';

export type Variables = Record<string, string>;

export interface Rule {
  if?: string;
  when?: 'always' | 'never' | 'on_success' | 'manual';
  variables?: Variables;
}

export interface Artifacts {
  paths?: string[];
  when?: 'always' | 'on_success' | 'on_failure';
  expire_in?: string;
  reports?: { dotenv?: string };
}

/** A `needs` entry: a job of this pipeline, or a job of another pipeline (parent artifacts). */
export type Need = string | { job: string; artifacts?: boolean; optional?: boolean } | { pipeline: string; job: string; artifacts?: boolean };

export interface Retry {
  max: 0 | 1 | 2;
  when?: string[];
}

interface JobCommon {
  stage?: string;
  needs?: Need[];
  rules?: Rule[];
  variables?: Variables;
  when?: 'always' | 'on_success' | 'on_failure' | 'manual' | 'delayed' | 'never';
  /** With `when: delayed`: how long after it could start the job starts (`30 minutes`). */
  start_in?: string;
  interruptible?: boolean;
  resource_group?: string;
}

export interface ScriptJob extends JobCommon {
  image?: string | { name: string; entrypoint?: string[] };
  tags?: string[];
  before_script?: ShellCommand[];
  /** Rendered to text with the pipeline (shell.ts). */
  script: ShellCommand[];
  artifacts?: Artifacts;
  retry?: Retry;
  parallel?: number;
  timeout?: string;
  allow_failure?: boolean;
  dependencies?: string[];
}

export interface TriggerInclude {
  artifact: string;
  job: string;
}

export interface TriggerJob extends JobCommon {
  trigger: {
    include: TriggerInclude[] | string;
    strategy?: 'depend';
    forward?: { yaml_variables?: boolean; pipeline_variables?: boolean };
  };
}

/**
 * A job whose body comes verbatim from a tool we do not own (Spack's generated build jobs).
 * It is kept as parsed so that every key Spack wrote reaches GitLab unchanged.
 */
export interface PassThroughJob {
  passThrough: Record<string, unknown>;
}

/**
 * A job taking what it does not say from a hidden job (`extends`): many jobs alike (the wait
 * jobs of a child pipeline) then cost a few lines each of the YAML size limit.
 */
export interface ExtendingJob extends JobCommon {
  extends: string;
}

export type Job = ScriptJob | TriggerJob | PassThroughJob | ExtendingJob;

export interface Workflow {
  name?: string;
  rules: Rule[];
}

/** One GitLab pipeline file. Job order is the insertion order of `jobs`. */
export interface Pipeline {
  /** Comment lines written at the top of the file. */
  header?: string[];
  workflow?: Workflow;
  stages?: string[];
  variables?: Variables;
  jobs: Map<string, Job>;
}

export function isTriggerJob(job: Job): job is TriggerJob {
  return 'trigger' in job;
}

export function isPassThroughJob(job: Job): job is PassThroughJob {
  return 'passThrough' in job;
}

export function isExtendingJob(job: Job): job is ExtendingJob {
  return 'extends' in job;
}

/** GitLab rejects job names over 255 characters (LIMITS.md). */
export const MAX_JOB_NAME_LENGTH = 255;
