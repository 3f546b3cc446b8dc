import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './project.js';

const run = promisify(execFile);
export const GITLAB_CI_LOCAL = path.join(REPO_ROOT, 'node_modules/.bin/gitlab-ci-local');

/** Run git in `cwd` as a fixed committer, so nothing depends on the machine's git config. */
function git(cwd: string, ...args: string[]) {
  return run('git', ['-c', 'user.email=ci@example.org', '-c', 'user.name=ci', ...args], { cwd });
}

/**
 * Make `dir` the git repository gitlab-ci-local insists on, with a commit of what is in it and
 * an `origin` whose default branch is main: without the remote, gitlab-ci-local reports the
 * missing remote on stderr and guesses the default branch.
 */
export async function initGitRepository(dir: string): Promise<void> {
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'remote', 'add', 'origin', 'https://gitlab.example.org/hpc/spacktainers.git');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '--allow-empty', '-m', 'project');
  await git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
  await git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
}

let runs = 0;

export interface GitLabCiLocalRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitLabCiLocalOptions {
  /** The jobs' process environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Predefined variables to leave unset, as GitLab does in some pipelines (CI_COMMIT_BRANCH in a merge request). */
  unset?: string[] | undefined;
  /**
   * gitlab-ci-local's state folder, relative to cwd. By default each call has its own, so calls
   * may run side by side; calls that share one see each other's job artifacts.
   */
  stateDir?: string;
}

/**
 * gitlab-ci-local in `cwd` on `file` (relative to it) with CI variables. Predefined variables
 * set or unset here on purpose (the pipeline source, the branch) are not warned about.
 */
export async function gitlabCiLocal(
  cwd: string,
  file: string,
  args: string[],
  variables: Record<string, string> = {},
  options: GitLabCiLocalOptions = {},
): Promise<GitLabCiLocalRun> {
  for (let attempt = 1; ; attempt++) {
    const result = await gitlabCiLocalOnce(cwd, file, args, variables, options);
    if (attempt === 3 || !isIncludeRace(result)) return result;
  }
}

/**
 * gitlab-ci-local fetches the components a file includes side by side; two includes of one
 * project and version (architecture.yml, once per architecture) may clone at once and then both
 * copy into one folder, and the later copy fails ("cannot create directory ... File exists").
 * That is the tool's race, not the pipeline's fault: such a run is tried again.
 */
function isIncludeRace(run: GitLabCiLocalRun): boolean {
  return run.code !== 0 && run.stderr.includes('Component include could not be fetched') && run.stderr.includes('File exists');
}

async function gitlabCiLocalOnce(
  cwd: string,
  file: string,
  args: string[],
  variables: Record<string, string>,
  options: GitLabCiLocalOptions,
): Promise<GitLabCiLocalRun> {
  const state = options.stateDir ?? path.join('.gitlab-ci-local', `run-${++runs}`);
  // Its JSON-schema pass is left out (0.6 s a file): callers check GitLab's own schema in-process
  // (gitlab-schema.ts); what is asked here is what a schema cannot say, like stages and needs.
  const argv = [...args, '--file', file, '--state-dir', state, '--no-color', '--no-json-schema-validation'];
  for (const [name, value] of Object.entries(variables)) argv.push('--variable', `${name}=${value}`);
  for (const name of options.unset ?? []) argv.push('--unset-variable', name);
  const env = { ...(options.env ?? process.env), GCL_IGNORE_PREDEFINED_VARS: [...Object.keys(variables), ...(options.unset ?? [])].join(',') };
  try {
    const { stdout, stderr } = await run(GITLAB_CI_LOCAL, argv, { cwd, env, maxBuffer: 256 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * The root pipeline of `project` as GitLab creates it: its .gitlab-ci.yml with the components
 * it includes from this checkout's templates/ (at the commit, as this repository's own pipeline
 * includes them) interpolated, and `extends` resolved, as gitlab-ci-local --preview prints it.
 */
export async function expandedRootPipeline(project: string): Promise<string> {
  const repo = await mkdtemp(path.join(tmpdir(), 'spacktainers-root-'));
  try {
    await cp(path.join(project, '.gitlab-ci.yml'), path.join(repo, '.gitlab-ci.yml'));
    await cp(path.join(REPO_ROOT, 'templates'), path.join(repo, 'templates'), { recursive: true });
    await initGitRepository(repo);
    const run = await gitlabCiLocal(repo, '.gitlab-ci.yml', ['--preview']);
    if (run.code !== 0) throw new Error(`gitlab-ci-local --preview refused ${project}/.gitlab-ci.yml:\n${run.stderr}`);
    return run.stdout.slice(run.stdout.indexOf('---'));
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}
