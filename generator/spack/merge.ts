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
 * Merge parsed inputs. A job present in several inputs is kept once, from the input where it
 * sits in the earliest stage. Stages are then made consistent across inputs: a job's stage is
 * raised above its dependencies' when the inputs disagree, because GitLab refuses a need on a
 * job of a later stage.
 */
export function mergeSpackPipelines(pipelines: SpackPipeline[]): SpackBuildGraph {
  const ordered = [...pipelines].sort((a, b) => compare(a.file, b.file));
  const kept = new Map<string, SpackBuildJob>();
  for (const pipeline of ordered) {
    for (const job of pipeline.buildJobs) {
      const previous = kept.get(job.name);
      if (!previous || job.stage < previous.stage) kept.set(job.name, job);
    }
  }
  const jobs = topologicalOrder(kept);
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
    rebuildIndex: ordered.find((p) => p.rebuildIndex)?.rebuildIndex,
    noop: ordered.find((p) => p.noop)?.noop,
    inputs: ordered.map((p) => ({ file: p.file, buildJobs: p.buildJobs.length, nothingToRebuild: p.noop !== undefined })),
  };
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
