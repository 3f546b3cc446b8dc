import { SpacktainersError, type SourceLocation } from '../errors.js';
import { checkShape, isPlainObject, type Shape } from '../input/shape.js';
import { YamlSource } from '../input/yaml-source.js';
import { compareCodePoints } from '../pipeline/order.js';

/**
 * Build times of earlier pipelines, as `gitlab durations` writes them and `--durations` reads
 * them: each Spack build job's own time, and each package's median over its jobs. A job name
 * carries the spec's hash, so an unchanged spec finds its own time; a changed spec of the same
 * package is usually close to that package's earlier builds.
 */
export interface Durations {
  /** Seconds by build job name (a spec string). */
  jobs: ReadonlyMap<string, number>;
  /** Median seconds by package name. */
  packages: ReadonlyMap<string, number>;
}

export type EstimateSource = 'job' | 'package' | 'default';

/** How long a build job is expected to take, and what that is based on. */
export interface Estimate {
  seconds: number;
  source: EstimateSource;
}

/**
 * The estimate of a spec of a package never built before. Only the ratio to the other
 * estimates matters to the split; ten minutes is about what a small Spack package takes in CI
 * once the runner has pulled the image, fetched its dependencies from the build cache and
 * pushed the result. Long builds (compilers, MPI, Python) have been built before on any site
 * that has durations at all, so they come with their own times.
 */
export const DEFAULT_ESTIMATE_SECONDS = 600;

export const NO_DURATIONS: Durations = { jobs: new Map(), packages: new Map() };

/** The job's own earlier time, else its package's median, else the default. */
export function estimateOf(durations: Durations, jobName: string): Estimate {
  const own = durations.jobs.get(jobName);
  if (own !== undefined) return { seconds: own, source: 'job' };
  const median = durations.packages.get(packageOf(jobName));
  if (median !== undefined) return { seconds: median, source: 'package' };
  return { seconds: DEFAULT_ESTIMATE_SECONDS, source: 'default' };
}

/** The package of a build job: its name up to the first `@` (`zlib-ng@2.1.4 /3ig4ymd ...` is `zlib-ng`). */
export function packageOf(jobName: string): string {
  const at = jobName.indexOf('@');
  return at === -1 ? jobName : jobName.slice(0, at);
}

/**
 * Whether a job is a Spack build job, by the name `spack ci generate` gives it: the spec's
 * package, `@` and version, then ` /` and the start of its hash (`zlib-ng@2.1.4 /3ig4ymd
 * %gcc@12.2.0 arch=...`). Spack's other jobs (`rebuild-index`, `no-specs-to-rebuild`) and
 * ours (`collect-child-pipelines`, `spack-generate:amd64`) have no such name.
 */
export function isBuildJobName(name: string): boolean {
  return /^[^\s@/]+@\S+ \/[a-z0-9]+(?: |$)/.test(name);
}

/** One finished run of a job, as GitLab reports it. */
export interface JobRun {
  /** GitLab's job id: a later run has a larger one. */
  id: number;
  name: string;
  seconds: number;
}

/**
 * The durations of the build jobs among `runs`: a job run several times (in several pipelines,
 * or retried) keeps its latest run's time, as the latest is what the next build is most like.
 */
export function durationsOf(runs: readonly JobRun[]): Durations {
  const latest = new Map<string, JobRun>();
  for (const run of runs) {
    if (!isBuildJobName(run.name)) continue;
    const known = latest.get(run.name);
    if (known === undefined || run.id > known.id) latest.set(run.name, run);
  }
  const names = [...latest.keys()].sort(compareCodePoints);
  const jobs = new Map(names.map((name) => [name, roundSeconds(latest.get(name)!.seconds)]));
  const byPackage = new Map<string, number[]>();
  for (const [name, seconds] of jobs) {
    const times = byPackage.get(packageOf(name));
    if (times) times.push(seconds);
    else byPackage.set(packageOf(name), [seconds]);
  }
  const packages = new Map([...byPackage.keys()].sort(compareCodePoints).map((name) => [name, roundSeconds(median(byPackage.get(name)!))]));
  return { jobs, packages };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Tenths of a second: GitLab's own precision is finer than any estimate needs, and a shorter file diffs better. */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

/** The durations file: keys in code-point order, one entry a line. */
export function formatDurations(durations: Durations): string {
  const section = (entries: ReadonlyMap<string, number>) => Object.fromEntries([...entries].sort(([a], [b]) => compareCodePoints(a, b)));
  return `${JSON.stringify({ jobs: section(durations.jobs), packages: section(durations.packages) }, null, 2)}\n`;
}

const SECONDS: Shape = { kind: 'map', values: { kind: 'number', minimum: 0 } };
const DURATIONS_SHAPE: Shape = {
  kind: 'object',
  fields: {
    jobs: { shape: { ...SECONDS, description: 'Seconds each build job took, by job name' }, required: true },
    packages: { shape: { ...SECONDS, description: 'Median seconds of the build jobs of each package, by package name' }, required: true },
  },
};

/**
 * Read a durations file. A file that passes is read with `JSON.parse` alone (it can hold tens of
 * thousands of jobs); only a wrong one is parsed again, keeping positions, to say where it is wrong.
 */
export function parseDurations(file: string, text: string): Durations {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw SpacktainersError.input(jsonErrorAt(file, text), 'not valid JSON');
  }
  if (isPlainObject(data) && isSeconds(data.jobs) && isSeconds(data.packages) && Object.keys(data).length === 2) {
    return { jobs: new Map(Object.entries(data.jobs)), packages: new Map(Object.entries(data.packages)) };
  }
  const source = YamlSource.parse(file, text);
  const [first] = checkShape(source, source.toJS(), DURATIONS_SHAPE);
  throw first ?? SpacktainersError.input({ file }, 'not a durations file');
}

/**
 * Where a text that is not JSON goes wrong, as the YAML parser finds it (JSON is YAML), else the
 * file alone: JSON.parse's own message quotes the text, across lines.
 */
function jsonErrorAt(file: string, text: string): SourceLocation {
  try {
    YamlSource.parse(file, text);
  } catch (error) {
    if (error instanceof SpacktainersError && error.location && 'file' in error.location) return error.location;
  }
  return { file };
}

function isSeconds(value: unknown): value is Record<string, number> {
  return isPlainObject(value) && Object.values(value).every((seconds) => typeof seconds === 'number' && seconds >= 0);
}
