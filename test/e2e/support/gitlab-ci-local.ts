import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { gitlabCiLocal, type GitLabCiLocalRun } from '../../support/gitlab-ci-local.js';

/** One job as gitlab-ci-local lists it once rules are evaluated. */
export interface ListedJob {
  name: string;
  stage: string;
  when: string;
  allow_failure: boolean;
  needs?: { job: string; optional?: boolean; pipeline?: string; project?: string }[];
}

/** A pipeline file with extends, includes and anchors expanded, as gitlab-ci-local sees it. */
export type ExpandedPipeline = Record<string, unknown> & { stages?: string[]; variables?: Record<string, unknown> };

/** One pipeline's runs share a state folder: a job is given the artifacts of the jobs it needs. */
const STATE_DIR = '.gitlab-ci-local';

export interface Invocation {
  /** The project folder: a git repository holding the files a job's checkout has. */
  cwd: string;
  /** The pipeline file, relative to cwd. */
  file: string;
  /** CI/CD variables of the pipeline (predefined ones included, which override gitlab-ci-local's). */
  variables: Record<string, string>;
  /** Predefined variables GitLab leaves unset in this kind of pipeline (CI_COMMIT_BRANCH in a merge request). */
  unset?: string[] | undefined;
  /** The jobs' process environment: the tools of this machine (PATH, SPACK_ROOT, CONTAINERS_*). */
  env: NodeJS.ProcessEnv;
}

function run(invocation: Invocation, args: string[]): Promise<GitLabCiLocalRun> {
  const { cwd, file, variables, unset, env } = invocation;
  return gitlabCiLocal(cwd, file, args, variables, { env, unset, stateDir: STATE_DIR });
}

function refusal(what: string, invocation: Invocation, result: GitLabCiLocalRun): Error {
  return new Error(`gitlab-ci-local ${what} refused ${path.join(invocation.cwd, invocation.file)} (exit ${result.code}):\n${result.stderr || result.stdout}`);
}

/** The jobs GitLab would create for this pipeline: gitlab-ci-local evaluates workflow and job rules. */
export async function listJobs(invocation: Invocation): Promise<ListedJob[]> {
  const result = await run(invocation, ['--list-json']);
  if (result.code !== 0) throw refusal('--list-json', invocation, result);
  const jobs = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as ListedJob[];
  return jobs.filter((job) => job.when !== 'never');
}

/** The pipeline with `extends` and includes expanded (triggers and job variables are read from it). */
export async function preview(invocation: Invocation): Promise<ExpandedPipeline> {
  const result = await run(invocation, ['--preview']);
  if (result.code !== 0) throw refusal('--preview', invocation, result);
  return (load(result.stdout.slice(result.stdout.indexOf('---'))) ?? {}) as ExpandedPipeline;
}

/**
 * Run the named jobs (instances of `parallel:` jobs by their own names), each in its own copy of
 * the project (`--shell-isolation`) given the artifacts of the jobs it needs from earlier runs in
 * the same state folder; `concurrency` at a time. Returns each job's outcome.
 *
 * One gitlab-ci-local call per job, because gitlab-ci-local sets CI_PROJECT_DIR of a job that
 * names an `image:` to `/builds/<group>/<project>` even when it runs the job in a shell elsewhere.
 * GitLab's CI_PROJECT_DIR is the job's checkout, and Spack computes the paths it hands from the
 * generate job to the build jobs relative to it: each call gets the job's real checkout (and
 * GitLab's CI_JOB_NAME).
 */
export async function runJobs(invocation: Invocation, names: string[], concurrency: number): Promise<Map<string, { ok: boolean; result: GitLabCiLocalRun }>> {
  const outcomes = new Map<string, { ok: boolean; result: GitLabCiLocalRun }>();
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const checkout = path.join(invocation.cwd, STATE_DIR, 'builds', safeJobName(name));
      const job = { ...invocation, variables: { ...invocation.variables, CI_PROJECT_DIR: checkout, CI_JOB_NAME: gitlabJobName(name) } };
      const result = await run(job, ['--force-shell-executor', '--shell-isolation', '--no-artifacts-to-source', name]);
      const summary = result.stdout
        .split('\n')
        .map((line) => /^ (PASS|FAIL|WARN)\s+(.+?)\s*$/.exec(line))
        .find((m) => m?.[2] === name);
      outcomes.set(name, { ok: summary ? summary[1] !== 'FAIL' : false, result });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return outcomes;
}

/**
 * GitLab names the instances of a `parallel: N` job `name 1/N`; gitlab-ci-local names them
 * `name: [1/N]`. Jobs see GitLab's name in CI_JOB_NAME (Spack writes it into the `needs` of its
 * build jobs), and the loopback API answers with it.
 */
export function gitlabJobName(name: string): string {
  return name.replace(/: \[(\d+\/\d+)\]$/, ' $1');
}

/** gitlab-ci-local's folder name for a job (its artifacts and log live under it). */
export function safeJobName(name: string): string {
  const safe = name.replace(/[^\w-]+/g, (run) => Buffer.from(run).toString('base64url'));
  if (safe.length <= 238) return safe;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${safe.slice(0, 238 - 1 - hash.length)}-${hash}`;
}

export function artifactsDir(cwd: string, job: string): string {
  return path.join(cwd, STATE_DIR, 'artifacts', safeJobName(job));
}

export async function jobLog(cwd: string, job: string): Promise<string> {
  return readFile(path.join(cwd, STATE_DIR, 'output', `${safeJobName(job)}.log`), 'utf8').catch(() => '');
}
