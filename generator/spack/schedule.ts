import type { SpackBuildGraph } from './merge.js';
import type { BuildSplit } from './split.js';

/** How long a job takes, in any unit; `() => 1` counts jobs. */
export type JobDuration = (name: string) => number;

/** The longest chain of the unsplit graph: no split can finish sooner. */
export function criticalPath(graph: SpackBuildGraph, duration: JobDuration): number {
  const finish = new Map<string, number>();
  for (const job of graph.jobs) {
    finish.set(job.name, Math.max(0, ...job.dependencies.map((d) => finish.get(d)!)) + duration(job.name));
  }
  return Math.max(0, ...finish.values());
}

/**
 * When the split pipeline finishes with unlimited runners: a child starts once every child it
 * waits for has finished, plus `childStartup` (GitLab creating the pipeline from the artifact
 * and runners picking up its jobs); inside a child, jobs follow their `needs`.
 */
export function splitMakespan(graph: SpackBuildGraph, split: BuildSplit, duration: JobDuration, childStartup: number): number {
  const finish = new Map<string, number>();
  const childFinish: number[] = [];
  // Children only wait for earlier children, and a child's jobs are listed by stage, so one
  // pass puts every dependency before its dependents.
  split.children.forEach((names, child) => {
    const start = Math.max(0, ...split.waitsFor[child]!.map((c) => childFinish[c]!)) + childStartup;
    let last = start;
    for (const name of names) {
      const job = graph.byName.get(name)!;
      const ready = Math.max(start, ...job.dependencies.map((d) => finish.get(d)!));
      finish.set(name, ready + duration(name));
      last = Math.max(last, ready + duration(name));
    }
    childFinish[child] = last;
  });
  return Math.max(0, ...childFinish);
}
