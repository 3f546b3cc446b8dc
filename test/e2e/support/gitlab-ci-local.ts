import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { REPO_ROOT } from '../../support/project.js';

/** The gitlab-ci-local of this project's devDependencies: it runs every pipeline of the e2e. */
export const GITLAB_CI_LOCAL = path.join(REPO_ROOT, 'node_modules/.bin/gitlab-ci-local');

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

export interface Invocation {
  /** The project folder: a git repository holding the files a job's checkout has. */
  cwd: string;
  /** The pipeline file, relative to cwd. */
  file: string;
  /** CI/CD variables of the pipeline (predefined ones included, which override gitlab-ci-local's). */
  variables: Record<string, string>;
  /** Predefined variables GitLab leaves unset in this kind of pipeline (CI_COMMIT_BRANCH in a merge request). */
  unset?: string[];
  /** The jobs' process environment: the tools of this machine (PATH, SPACK_ROOT, CONTAINERS_*). */
  env: NodeJS.ProcessEnv;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(invocation: Invocation, extra: string[]): Promise<CommandResult> {
  const args = [
    '--file', invocation.file,
    '--no-color',
    ...Object.entries(invocation.variables).flatMap(([name, value]) => ['--variable', `${name}=${value}`]),
    ...(invocation.unset ?? []).flatMap((name) => ['--unset-variable', name]),
    ...extra,
  ];
  const env = {
    ...invocation.env,
    // The e2e sets these on purpose: gitlab-ci-local's warning about overriding them is noise.
    GCL_IGNORE_PREDEFINED_VARS: [...Object.keys(invocation.variables).filter((n) => n.startsWith('CI_')), ...(invocation.unset ?? [])].join(','),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(GITLAB_CI_LOCAL, args, { cwd: invocation.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function failure(what: string, invocation: Invocation, result: CommandResult): Error {
  return new Error(`gitlab-ci-local ${what} refused ${path.join(invocation.cwd, invocation.file)} (exit ${result.code}):\n${result.stderr || result.stdout}`);
}

/** The jobs GitLab would create for this pipeline: gitlab-ci-local evaluates workflow and job rules. */
export async function listJobs(invocation: Invocation): Promise<ListedJob[]> {
  const result = await run(invocation, ['--list-json']);
  if (result.code !== 0) throw failure('--list-json', invocation, result);
  const start = result.stdout.indexOf('[');
  const jobs = JSON.parse(result.stdout.slice(start)) as ListedJob[];
  return jobs.filter((job) => job.when !== 'never');
}

/** The pipeline with `extends` and includes expanded (triggers and job variables are read from it). */
export async function preview(invocation: Invocation): Promise<ExpandedPipeline> {
  const result = await run(invocation, ['--preview']);
  if (result.code !== 0) throw failure('--preview', invocation, result);
  return (load(result.stdout.slice(result.stdout.indexOf('---'))) ?? {}) as ExpandedPipeline;
}

/**
 * Run the named jobs, each in its own copy of the project (`--shell-isolation`), given the
 * artifacts of the jobs it needs from earlier invocations in the same state folder. Returns
 * each job's outcome from gitlab-ci-local's summary.
 */
export async function runJobs(invocation: Invocation, names: string[], concurrency: number): Promise<{ outcomes: Map<string, boolean>; result: CommandResult }> {
  const result = await run(invocation, ['--force-shell-executor', '--shell-isolation', '--no-artifacts-to-source', '--concurrency', String(concurrency), ...names]);
  const outcomes = new Map<string, boolean>();
  for (const line of result.stdout.split('\n')) {
    const m = /^ (PASS|FAIL|WARN)\s+(.+?)\s*$/.exec(line);
    if (m) outcomes.set(m[2]!, m[1] !== 'FAIL');
  }
  return { outcomes, result };
}

/** gitlab-ci-local's folder name for a job (its artifacts and log live under it). */
export function safeJobName(name: string): string {
  const safe = name.replace(/[^\w-]+/g, (run) => Buffer.from(run).toString('base64url'));
  if (safe.length <= 238) return safe;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${safe.slice(0, 238 - 1 - hash.length)}-${hash}`;
}

export function artifactsDir(cwd: string, job: string): string {
  return path.join(cwd, '.gitlab-ci-local/artifacts', safeJobName(job));
}

export async function jobLog(cwd: string, job: string): Promise<string> {
  return readFile(path.join(cwd, '.gitlab-ci-local/output', `${safeJobName(job)}.log`), 'utf8').catch(() => '');
}
