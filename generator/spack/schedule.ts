import type { SpackBuildGraph } from './merge.js';
import type { BuildSplit } from './split.js';

/** How long a job takes, in any unit; `() => 1` counts jobs. */
export type JobDuration = (name: string) => number;

/** The longest chain of the unsplit graph (no split can finish sooner), dependencies first. */
export function criticalPath(graph: SpackBuildGraph, duration: JobDuration): { length: number; chain: string[] } {
  const finish = new Map<string, number>();
  const longestDependency = new Map<string, string>();
  let last: string | undefined;
  for (const job of graph.jobs) {
    let ready = 0;
    for (const dependency of job.dependencies) {
      if (finish.get(dependency)! > ready) {
        ready = finish.get(dependency)!;
        longestDependency.set(job.name, dependency);
      }
    }
    finish.set(job.name, ready + duration(job.name));
    if (last === undefined || finish.get(job.name)! > finish.get(last)!) last = job.name;
  }
  const chain: string[] = [];
  for (let name = last; name !== undefined; name = longestDependency.get(name)) chain.unshift(name);
  return { length: last === undefined ? 0 : finish.get(last)!, chain };
}

/** When a wait job of `child` for `job` starts, after the child has started (`when: delayed`). */
export type WaitStart = (child: number, job: string) => number;

/** What the simulated schedule of a split costs beyond the builds, in the unit of the durations. */
export interface SplitTiming {
  /** GitLab creating a child pipeline from the artifact, runners picking up its jobs. */
  childStartup: number;
  /** A wait job seeing its spec in the build cache, and GitLab starting the job needing it. */
  waitLatency?: number;
  waitStart?: WaitStart | undefined;
}

/**
 * When the split pipeline finishes with unlimited runners: a child starts once every child it
 * waits for has finished, plus its start-up; inside a child, jobs follow their `needs`. With
 * wait jobs every child starts at once, and a job needing one of another child starts the wait
 * latency after it has finished, or after its wait job started, if that is later.
 */
export function splitMakespan(graph: SpackBuildGraph, split: BuildSplit, duration: JobDuration, timing: SplitTiming): number {
  return Math.max(0, ...splitFinishTimes(graph, split, duration, timing).values(), split.children.length > 0 ? timing.childStartup : 0);
}

/** When each job of the split pipeline finishes, as `splitMakespan` has it. */
export function splitFinishTimes(
  graph: SpackBuildGraph,
  split: BuildSplit,
  duration: JobDuration,
  { childStartup, waitLatency = 0, waitStart }: SplitTiming,
): Map<string, number> {
  const finish = new Map<string, number>();
  const childFinish: number[] = [];
  // Jobs of a child only need jobs of earlier children, and a child's jobs are listed by
  // stage, so one pass puts every dependency before its dependents.
  split.children.forEach((names, child) => {
    const start = Math.max(0, ...split.waitsFor[child]!.map((c) => childFinish[c]!)) + childStartup;
    let last = start;
    for (const name of names) {
      let ready = start;
      for (const dependency of graph.byName.get(name)!.dependencies) {
        const waited = split.links === 'wait-jobs' && split.childOf.get(dependency) !== child;
        const arrives = waited ? Math.max(finish.get(dependency)!, start + (waitStart?.(child, dependency) ?? 0)) + waitLatency : finish.get(dependency)!;
        ready = Math.max(ready, arrives);
      }
      finish.set(name, ready + duration(name));
      last = Math.max(last, ready + duration(name));
    }
    childFinish[child] = last;
  });
  return finish;
}
