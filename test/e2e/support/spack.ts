import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { INSTALL_ROOT, VIEW_ROOT } from '../../../generator/spack/environment.js';
import { pipelineJobsOf } from '../../support/pipeline-tree.js';
import type { ExpandedPipeline } from './gitlab-ci-local.js';
import { runsAfter, triggerVariables } from './pipeline-runner.js';

/** What Spack's jobs use of Debian here: boto3 for s3:// mirrors (SPACK_PYTHON), patchelf for relocation. */
export const SPACK_PACKAGES = ['python3-boto3', 'patchelf'];

/** The folder of test/e2e/bin/spack: the real Spack, with `ci rebuild` replaced by a fake build. */
export const E2E_BIN = path.resolve(import.meta.dirname, '../bin');

/** Where the generated environments install and link (spack.yaml), both below /opt. */
const OPT = path.dirname(INSTALL_ROOT);
if (path.dirname(VIEW_ROOT) !== OPT) throw new Error(`internal: ${VIEW_ROOT} and ${INSTALL_ROOT} are not in one folder`);

/**
 * What every job running Spack gets in the end-to-end run: Spack from SPACK_ROOT behind the
 * wrapper, Debian's python3 (it has boto3, for s3:// mirrors), no user or system config, and
 * private caches and GnuPG home in `scratch`, so nothing outside it is written.
 */
export function spackEnvironment(scratch: string): Record<string, string> {
  const root = process.env.SPACK_ROOT;
  if (!root) {
    throw new Error(
      'SPACK_ROOT is not set: export SPACK_ROOT=<a Spack 0.21.2 checkout, configured for offline use (original concretizer, bootstrapping off)> before npm run test:e2e',
    );
  }
  return {
    SPACK_ROOT: root,
    PATH: [E2E_BIN, path.join(root, 'bin'), process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    SPACK_PYTHON: '/usr/bin/python3',
    SPACK_DISABLE_LOCAL_CONFIG: '1',
    SPACK_USER_CACHE_PATH: path.join(scratch, 'spack-user-cache'),
    SPACK_GNUPGHOME: path.join(scratch, 'spack-gnupg'),
  };
}

/**
 * Whether this Spack can sign and verify: Spack 0.21 runs gpg only after making sure of its core
 * bootstrap dependencies (clingo importable, patchelf, gpg), which an offline Spack with
 * bootstrapping off cannot do.
 */
export function spackCanUseGpg(): boolean {
  const scratch = mkdtempSync(path.join(tmpdir(), 'spacktainers-gpg-probe-'));
  try {
    return spawnSync('spack', ['gpg', 'list'], { env: spackEnvironment(scratch), stdio: 'ignore' }).status === 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * `command args` in a private mount namespace where `optDir` is mounted on /opt: the jobs install
 * into /opt/software and link /opt/view (the environment's fixed paths), and this keeps the
 * host's /opt untouched. Needs root (unshare --mount, mount --bind).
 */
export function withPrivateOpt(optDir: string, command: string, args: string[]): [string, string[]] {
  return ['unshare', ['--mount', '--', 'sh', '-c', `mount --bind "$0" ${OPT} && exec "$@"`, optDir, command, ...args]];
}

export interface RunResult {
  code: number;
  output: string;
}

/** Run a command in the private /opt, collecting stdout and stderr together. */
export async function runInPrivateOpt(
  optDir: string,
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<RunResult> {
  await mkdir(optDir, { recursive: true });
  const [program, argv] = withPrivateOpt(optDir, command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

export interface PipelineJob {
  name: string;
  stage: string;
  script: string[];
  /** The file's global variables, then the job's (GitLab's precedence). */
  variables: Record<string, string>;
  /** GitLab's `when`, if the job says. */
  when?: string | undefined;
}

/** The script jobs of a GitLab pipeline file, `extends` resolved as GitLab does, in the order of their stages. */
export function scriptJobs(text: string): PipelineJob[] {
  const file = load(text) as Record<string, unknown>;
  const stages = (file.stages as string[] | undefined) ?? [];
  const global = (file.variables as Record<string, unknown> | undefined) ?? {};
  const jobs: PipelineJob[] = [];
  for (const [name, job] of pipelineJobsOf(text)) {
    if (!Array.isArray(job.script)) continue;
    const variables = Object.fromEntries(Object.entries({ ...global, ...(job.variables as Record<string, unknown>) }).map(([k, v]) => [k, String(v)]));
    jobs.push({ name, stage: (job.stage as string | undefined) ?? 'test', script: job.script as string[], variables, when: job.when as string | undefined });
  }
  return jobs.sort((a, b) => stages.indexOf(a.stage) - stages.indexOf(b.stage));
}

/** What a child pipeline gets from its trigger job `trigger` in the pipeline file `text`, run as the pipeline `pipelineId`. */
export function childVariables(text: string, trigger: string, pipelineId: string): Record<string, string> {
  return triggerVariables(load(text) as ExpandedPipeline, trigger, { CI_PIPELINE_ID: pipelineId });
}

/**
 * Run a job's script lines as GitLab's shell executor does: one bash, stopping at the first
 * failing line, in the project folder, with the job's variables in the environment.
 */
export function runJob(job: PipelineJob, optDir: string, cwd: string, env: Record<string, string>): Promise<RunResult> {
  const script = ['set -eo pipefail', ...job.script].join('\n');
  return runInPrivateOpt(optDir, 'bash', ['-c', script], { cwd, env: { ...env, ...job.variables, CI_JOB_NAME: job.name, CI_PROJECT_DIR: cwd } });
}

/** A job of a pipeline and how it ended; no result when GitLab would not have run it. */
export interface JobOutcome {
  job: PipelineJob;
  result?: RunResult;
}

/**
 * Run a pipeline's script jobs one at a time, in stage order, each only when GitLab would run
 * it (runsAfter): a `when: on_failure` job only after a failed job, and after one only those
 * and `always` jobs. GitLab would still run the jobs that do not need the failed one; the e2e
 * wants every job to succeed and only looks at the first failure.
 */
export async function runPipelineJobs(jobs: PipelineJob[], optDir: string, cwd: string, env: Record<string, string>): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  let failed = false;
  for (const job of jobs) {
    if (!runsAfter(job.when, failed)) {
      outcomes.push({ job });
      continue;
    }
    const result = await runJob(job, optDir, cwd, env);
    failed ||= result.code !== 0;
    outcomes.push({ job, result });
  }
  return outcomes;
}

/**
 * The shell text of the builder stage's RUN step of a Dockerfile (continuation lines joined,
 * `--mount` options dropped), with the secrets' mount point replaced by `secretsDir`: what the
 * container build runs, to run on this host.
 */
export function builderRunStep(dockerfile: string, secretsDir: string): string {
  const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const run = instructions.find((line) => line.startsWith('RUN '));
  if (!run) throw new Error('the Dockerfile has no RUN step');
  return run
    .slice('RUN '.length)
    .replace(/--mount=\S+\s+/g, '')
    .replaceAll('/run/secrets/', `${secretsDir}/`)
    .trim();
}
