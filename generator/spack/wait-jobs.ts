import { SpacktainersError } from '../errors.js';
import { MAX_JOB_NAME_LENGTH } from '../pipeline/model.js';
import { V2_ROOT } from '../cache/layout-v2.js';
import { V3_SPEC_MANIFESTS } from '../cache/layout-v3.js';
import type { SpackBuildJob } from './generate-output-parser.js';
import { neededInTurn, type SpackBuildGraph } from './merge.js';
import { splitFinishTimes } from './schedule.js';
import { CHILD_STARTUP_SECONDS, type BuildSplit, type JobEstimate } from './split.js';

/**
 * Wait jobs: every child pipeline starts at once, and a job needing a spec built in another
 * child needs, in its own child, a light job that ends when that spec is in the build cache
 * (its spec file is pushed last, after the tarball) instead of waiting for the whole other
 * child. A wait job fails when the child building the spec has failed without it (that child's
 * failure job leaves a marker in the cache), or after its timeout. Children stay ordered (jobs
 * of a child only need jobs of earlier children), so a failure job never waits, through wait
 * jobs, for a child waiting for it.
 */

/** Names the build job a wait job waits for, so that `plan` and a simulator see the edge. */
export const WAITS_FOR_VARIABLE = 'SPACKTAINERS_WAITS_FOR';
/** The key of the spec's file below the build cache's root, which the wait job looks for. */
export const SPEC_KEY_VARIABLE = 'SPACKTAINERS_SPEC_KEY';
/** The child pipeline building the spec, whose failure marker the wait job looks for. */
export const PRODUCER_VARIABLE = 'SPACKTAINERS_PRODUCER';
/** The ID of the pipeline triggering the children, which the markers of one run share. */
export const BUILD_PIPELINE_VARIABLE = 'SPACKTAINERS_BUILD_PIPELINE_ID';
/** The hidden job every wait job extends: image, tags, timeout and script are written once. */
export const WAIT_TEMPLATE = '.spacktainers-wait';
/** The job of a child others wait for that leaves its failure marker when a job of it failed. */
export const FAILURE_JOB = 'spacktainers-child-failed';
export const FAILURE_STAGE = 'spacktainers-child-failed';
/** Where the failure markers of a build cache are, below its root (`<bucket>/<arch>/`). */
export const FAILURE_ROOT = 'spacktainers-waits/';
/** How often a wait job looks at the build cache. */
export const WAIT_POLL_SECONDS = 20;
/**
 * What a wait adds to a chain of builds, in seconds: half a poll on average, and GitLab
 * starting the job that needed it once the wait job has ended.
 */
export const WAIT_LATENCY_SECONDS = 30;
/**
 * How long a wait job waits at most. A failed producer is seen through its marker long before;
 * the timeout only ends a wait whose producer vanished (a child cancelled on its own). The
 * job's own timeout, a few minutes longer, lets the command say so before GitLab stops it.
 */
export const WAIT_TIMEOUT_MINUTES = 12 * 60;

/** Of the time until a wait job's spec is expected, the share it sleeps before it starts looking. */
export const WAIT_START_SHARE = 0.5;
/** Shorter sleeps are not worth a delayed job: the wait job starts with its child. */
const LEAST_WAIT_START_SECONDS = 5 * 60;

/** A wait for the build job `job` of the child `producer`. */
export interface SpecWait {
  job: string;
  producer: number;
}

/** The name of the job waiting for `job` (a Spack build job), unique within a child. */
export function waitJobName(job: SpackBuildJob): string {
  const name = `wait-for ${job.name}`;
  return name.length <= MAX_JOB_NAME_LENGTH ? name : `wait-for /${job.dagHash}`;
}

/** The waits of a split linked by wait jobs (none for triggers), worked out once. */
export interface SplitWaits {
  /** For each child, the jobs of other children its jobs wait for, each once, in the order first needed. */
  children: SpecWait[][];
  /**
   * For each build job, its dependencies built in other children that none of its other
   * dependencies needs in turn. It waits for these only: one built after another it needs
   * cannot be in the build cache before it, and fewer wait jobs take fewer runners and less of
   * the YAML budget.
   */
  ofJob: Map<string, string[]>;
}

export function splitWaits(graph: SpackBuildGraph, split: BuildSplit): SplitWaits {
  const ofJob = new Map<string, string[]>();
  if (split.links !== 'wait-jobs') return { children: split.children.map(() => []), ofJob };
  const children = split.children.map((names, child) => {
    const waits = new Map<string, SpecWait>();
    for (const name of names) {
      const { dependencies } = graph.byName.get(name)!;
      const elsewhere = dependencies.filter((dependency) => split.childOf.get(dependency) !== child);
      if (elsewhere.length === 0) continue;
      const implied = neededInTurn(graph, dependencies);
      const waited = elsewhere.filter((dependency) => !implied.has(dependency));
      ofJob.set(name, waited);
      for (const dependency of waited) {
        if (!waits.has(dependency)) waits.set(dependency, { job: dependency, producer: split.childOf.get(dependency)! });
      }
    }
    return [...waits.values()];
  });
  return { children, ofJob };
}

/**
 * Where Spack puts the spec file of a build job's spec, below the build cache's root: layout v2
 * (Spack < 1.0, `build_cache/<arch>-<compiler>-<version>-<name>-<version>-<hash>.spec.json`,
 * `.sig` appended when signed: the key is a prefix of both) or v3 (Spack >= 1.0, a manifest per
 * spec). Spack names it from the spec, whose parts its job variables carry.
 */
export function specKey(job: SpackBuildJob, spackVersion: string): string {
  const variables = job.body.variables as Record<string, unknown>;
  const part = (name: string): string => {
    const value = variables[name];
    if (typeof value !== 'string' || value === '') {
      throw SpacktainersError.input({ file: job.file, key: `${job.name}.variables.${name}` }, 'missing: a wait job needs it to name the spec file');
    }
    // Spack's format_path: a path separator in a part cannot end up in the file name.
    return value.replaceAll('/', '_');
  };
  const [name, version, hash] = [part('SPACK_JOB_SPEC_PKG_NAME'), part('SPACK_JOB_SPEC_PKG_VERSION'), job.dagHash];
  if (Number(spackVersion.split('.')[0]) >= 1) return `${V3_SPEC_MANIFESTS}${name}/${name}-${version}-${hash}.spec.manifest.json`;
  const compiler = `${part('SPACK_JOB_SPEC_COMPILER_NAME')}-${part('SPACK_JOB_SPEC_COMPILER_VERSION')}`;
  return `${V2_ROOT}${part('SPACK_JOB_SPEC_ARCH')}-${compiler}-${name}-${version}-${hash}.spec.json`;
}

/** The failure marker of the child `producer` in the run of the pipeline `pipeline`, below the build cache's root. */
export function failureMarkerKey(pipeline: string, producer: string): string {
  return `${FAILURE_ROOT}${pipeline}/${producer}.failed`;
}

/**
 * When each wait job starts, in seconds after its child (by child, then the job it waits for),
 * from build time estimates: half the time until its spec is expected, in whole minutes, or
 * at once when that is under five minutes. Undelayed, a wait job holds a light runner from the
 * start of its child; a spec expected in three hours is then waited for from the first minute.
 * Half leaves room for estimates that are too long: a wait job starting after its spec came
 * delays the jobs needing it.
 */
export function waitStarts(graph: SpackBuildGraph, split: BuildSplit, estimate: JobEstimate, waits = splitWaits(graph, split)): Map<string, number>[] {
  const finish = splitFinishTimes(graph, split, estimate, { childStartup: CHILD_STARTUP_SECONDS, waitLatency: WAIT_LATENCY_SECONDS });
  return waits.children.map(
    (list) =>
      new Map(
        list.map(({ job }) => {
          const seconds = Math.floor((WAIT_START_SHARE * (finish.get(job)! - CHILD_STARTUP_SECONDS)) / 60) * 60;
          return [job, seconds < LEAST_WAIT_START_SECONDS ? 0 : seconds];
        }),
      ),
  );
}
