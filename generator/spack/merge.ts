import { SpacktainersError } from '../errors.js';
import type { SpackBuildJob, SpackPipeline } from './generate-output-parser.js';

/** What each input contributed, for reports. */
export interface SpackInputSummary {
  file: string;
  buildJobs: number;
  nothingToRebuild: boolean;
}

/**
 * The build jobs of every input merged into one dependency graph. A spec built by several
 * containers has one job name (its hash is in the name), so it is built once.
 */
export interface SpackBuildGraph {
  /** Every build job once, dependencies before dependents, in a deterministic order. */
  jobs: SpackBuildJob[];
  byName: Map<string, SpackBuildJob>;
  /** Jobs that need each job (reverse of `dependencies`). */
  dependents: Map<string, string[]>;
  rebuildIndex?: Record<string, unknown> | undefined;
  noop?: Record<string, unknown> | undefined;
  inputs: SpackInputSummary[];
}

/**
 * Merge parsed inputs, taken one at a time so that only the jobs kept stay in memory. A job
 * present in several inputs is kept once, from the input where it sits in the earliest stage
 * (the first file in code-unit order among equals), so the order of the inputs does not
 * matter. Stages are then made consistent across inputs: a job's stage is raised above its
 * dependencies' when the inputs disagree, because GitLab refuses a need on a job of a later stage.
 */
export function mergeSpackPipelines(pipelines: Iterable<SpackPipeline>): SpackBuildGraph {
  const kept = new EarliestCopies<SpackBuildJob>();
  const inputs: SpackInputSummary[] = [];
  const first = { rebuildIndex: undefined as SpackPipeline | undefined, noop: undefined as SpackPipeline | undefined };
  for (const pipeline of pipelines) {
    for (const job of pipeline.buildJobs) kept.offer(job);
    for (const key of ['rebuildIndex', 'noop'] as const) {
      const earlier = first[key];
      if (pipeline[key] && (!earlier || compare(pipeline.file, earlier.file) < 0)) first[key] = pipeline;
    }
    const buildJobs = pipeline.buildJobs.length + (pipeline.skippedJobs ?? 0);
    inputs.push({ file: pipeline.file, buildJobs, nothingToRebuild: pipeline.noop !== undefined });
  }
  const jobs = topologicalOrder(kept.copies);
  const byName = new Map<string, SpackBuildJob>();
  const dependents = new Map<string, string[]>();
  for (const job of jobs) {
    const stage = Math.max(job.stage, ...job.dependencies.map((d) => byName.get(d)!.stage + 1));
    const merged = stage === job.stage ? job : { ...job, stage, body: { ...job.body, stage: `stage-${stage}` } };
    byName.set(job.name, merged);
    dependents.set(job.name, []);
    for (const dependency of job.dependencies) dependents.get(dependency)!.push(job.name);
  }
  return {
    jobs: jobs.map((job) => byName.get(job.name)!),
    byName,
    dependents,
    rebuildIndex: first.rebuildIndex?.rebuildIndex,
    noop: first.noop?.noop,
    inputs: inputs.sort((a, b) => compare(a.file, b.file)),
  };
}

/** Where a copy of a build job is: the merge keeps the copy in the earliest stage. */
export interface JobCopy {
  name: string;
  stage: number;
  file: string;
}

/**
 * The copy of each job a merge keeps, of the inputs seen so far: the one in the earliest stage,
 * the first file in code-unit order among equals. Readers ask it which copies to leave unparsed.
 */
export class EarliestCopies<Copy extends JobCopy> {
  readonly copies = new Map<string, Copy>();

  /** Whether `copy` would be kept over the copy of its job seen so far. */
  keeps(copy: JobCopy): boolean {
    const kept = this.copies.get(copy.name);
    return !kept || copy.stage < kept.stage || (copy.stage === kept.stage && compare(copy.file, kept.file) < 0);
  }

  /** Keep `copy` if it wins over the copy seen so far. */
  offer(copy: Copy): void {
    if (this.keeps(copy)) this.copies.set(copy.name, copy);
  }
}

/** Depth-first post-order from jobs sorted by stage and name; a cycle is an SpacktainersError. */
function topologicalOrder(jobs: Map<string, SpackBuildJob>): SpackBuildJob[] {
  const order: SpackBuildJob[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (job: SpackBuildJob): void => {
    const seen = state.get(job.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(job.name)), job.name];
      throw SpacktainersError.input({ file: job.file, key: job.name }, `needs form a cycle: ${cycle.join(' -> ')}`);
    }
    state.set(job.name, 'visiting');
    path.push(job.name);
    for (const dependency of job.dependencies) {
      const target = jobs.get(dependency);
      if (!target) throw SpacktainersError.input({ file: job.file, key: job.name }, `needs "${dependency}", which is not a build job`);
      visit(target);
    }
    path.pop();
    state.set(job.name, 'done');
    order.push(job);
  };
  for (const job of [...jobs.values()].sort((a, b) => a.stage - b.stage || compare(a.name, b.name))) visit(job);
  return order;
}

/** Code-unit order, independent of the locale, so output is the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The jobs that `jobs` need in turn: their dependencies' dependencies, and so on (a job of
 * `jobs` is among them when another one needs it). Only jobs down to the lowest stage of
 * `jobs` are looked at, as nothing below it can be one of them.
 */
export function neededInTurn(graph: SpackBuildGraph, jobs: readonly string[]): Set<string> {
  const lowest = Math.min(...jobs.map((name) => graph.byName.get(name)!.stage));
  const found = new Set<string>();
  const pending = jobs.flatMap((name) => graph.byName.get(name)!.dependencies);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const job = graph.byName.get(name)!;
    if (job.stage < lowest || found.has(name)) continue;
    found.add(name);
    pending.push(...job.dependencies);
  }
  return found;
}
