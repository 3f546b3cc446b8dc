import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dump, load } from 'js-yaml';
import { initGitRepository } from '../../support/gitlab-ci-local.js';
import { artifactsDir, gitlabJobName, jobLog, listJobs, preview, runJobs, type ExpandedPipeline, type Invocation, type ListedJob } from './gitlab-ci-local.js';

export type JobStatus = 'success' | 'failed' | 'skipped';

export interface JobRun {
  name: string;
  stage: string;
  status: JobStatus;
  allowFailure: boolean;
  /** The downstream pipeline of a trigger job. */
  child?: PipelineRun;
}

/** One pipeline of the hierarchy, as GitLab would show it. */
export interface PipelineRun {
  id: number;
  /** `root`, or the trigger job that created it. */
  name: string;
  /** Its file as GitLab received it. */
  text: string;
  /** The project folder it ran in (a git repository; gitlab-ci-local's state below it). */
  cwd: string;
  source: string;
  variables: Record<string, string>;
  jobs: JobRun[];
  status: 'success' | 'failed';
  parent?: PipelineRun;
}

export interface RunnerOptions {
  /** The commit's files: every pipeline of the hierarchy starts from a copy of them. */
  sourceDir: string;
  /** Where each pipeline gets its project folder. */
  workDir: string;
  /** What every pipeline of this commit has: predefined and project CI/CD variables. */
  variables: Record<string, string>;
  /** Predefined variables this kind of pipeline does not have. */
  unset?: string[];
  env: NodeJS.ProcessEnv;
  /** Pipeline ids, unique across runs (the loopback GitLab API serves them). */
  nextPipelineId(): number;
  /**
   * gitlab-ci-local calls at once in one pipeline's folder. 1 by default: every call first copies
   * the project into one shared staging folder (`.gitlab-ci-local/builds/.docker`), and two calls
   * copying at once fail with rsync's "file has vanished".
   */
  concurrency?: number;
  /** Told of every pipeline once it has finished, children before their parent. */
  onFinished?(run: PipelineRun): Promise<void>;
}

type Include = { artifact: string; job: string } | { local: string };
interface Trigger {
  include: Include[] | Include | string;
  strategy?: string;
}

/**
 * Runs a pipeline and, for every trigger job, its downstream pipeline, the way GitLab does:
 * jobs in the order their `needs` and stages allow, each in its own checkout with the
 * artifacts of the jobs it needs (gitlab-ci-local), and each downstream pipeline in a
 * project folder holding what GitLab gives it — the commit's files, the artifacts its
 * `needs: pipeline:` jobs name, the trigger's variables, CI_PIPELINE_SOURCE=parent_pipeline.
 */
export class PipelineRunner {
  constructor(private readonly options: RunnerOptions) {}

  async runRoot(file: string, source: string): Promise<PipelineRun> {
    const id = this.options.nextPipelineId();
    const cwd = path.join(this.options.workDir, `pipeline-${id}`);
    await copySource(this.options.sourceDir, cwd);
    await initGitRepository(cwd);
    const text = await readFile(path.join(cwd, file), 'utf8');
    return this.run(
      { id, name: 'root', text, cwd, source, variables: { ...this.pipelineVariables(id), CI_PIPELINE_SOURCE: source }, jobs: [], status: 'success' },
      file,
    );
  }

  private async run(pipeline: PipelineRun, file: string): Promise<PipelineRun> {
    const invocation: Invocation = { cwd: pipeline.cwd, file, variables: pipeline.variables, unset: this.options.unset, env: this.options.env };
    const [listed, expanded] = await Promise.all([listJobs(invocation), preview(invocation)]);
    const stages = (expanded.stages ?? ['.pre', 'build', 'test', 'deploy', '.post']).map(String);
    const dependencies = new Map(listed.map((job) => [job.name, dependenciesOf(job, listed, stages)]));
    // Finished jobs, in the order they finished: downstream pipelines take artifacts from them.
    const done = new Map<string, JobRun>();
    const finish = (run: JobRun) => {
      done.set(run.name, run);
      pipeline.jobs.push(run);
    };
    while (done.size < listed.length) {
      const ready = listed.filter((job) => !done.has(job.name) && dependencies.get(job.name)!.every((d) => done.has(d)));
      if (ready.length === 0)
        throw new Error(
          `pipeline ${pipeline.name} (#${pipeline.id}): jobs wait for each other: ${listed
            .filter((j) => !done.has(j.name))
            .map((j) => j.name)
            .join(', ')}`,
        );
      const runnable: ListedJob[] = [];
      for (const job of ready) {
        const failedBefore = dependencies.get(job.name)!.some((d) => done.get(d)!.status !== 'success' && !done.get(d)!.allowFailure);
        const run: JobRun = { name: job.name, stage: job.stage, status: 'skipped', allowFailure: job.allow_failure };
        if (runsAfter(job.when, failedBefore)) runnable.push(job);
        else finish(run);
      }
      const triggers = runnable.filter((job) => jobDefinition(expanded, job.name).trigger);
      const scripts = runnable.filter((job) => !triggers.includes(job));
      if (scripts.length > 0) {
        const concurrency = this.options.concurrency ?? 1;
        const onFailure = scripts.filter((job) => job.when === 'on_failure').map((job) => job.name);
        const outcomes = new Map([
          ...(await runJobs(
            invocation,
            scripts.filter((job) => !onFailure.includes(job.name)).map((job) => job.name),
            concurrency,
          )),
          ...(onFailure.length > 0 ? await runJobs({ ...invocation, file: await asOrdinaryJobs(pipeline.cwd, file, onFailure) }, onFailure, concurrency) : []),
        ]);
        for (const job of scripts) {
          const { ok, result } = outcomes.get(job.name)!;
          if (!ok && !/^ FAIL /m.test(result.stdout)) {
            throw new Error(
              `pipeline ${pipeline.name} (#${pipeline.id}): gitlab-ci-local did not run job ${job.name}:\n${result.stdout.slice(-4000)}\n${result.stderr}`,
            );
          }
          finish({ name: job.name, stage: job.stage, status: ok ? 'success' : 'failed', allowFailure: job.allow_failure });
        }
      }
      for (const job of triggers) {
        const child = await this.runDownstream(pipeline, expanded, job);
        finish({ name: job.name, stage: job.stage, status: child.status === 'success' ? 'success' : 'failed', allowFailure: job.allow_failure, child });
      }
    }
    pipeline.jobs = listed.map((job) => done.get(job.name)!);
    pipeline.status = pipeline.jobs.every((job) => job.status !== 'failed' || job.allowFailure) ? 'success' : 'failed';
    await this.options.onFinished?.(pipeline);
    return pipeline;
  }

  private async runDownstream(parent: PipelineRun, expanded: ExpandedPipeline, job: ListedJob): Promise<PipelineRun> {
    const definition = jobDefinition(expanded, job.name);
    const trigger = definition.trigger as Trigger;
    const includes = typeof trigger.include === 'string' ? [{ local: trigger.include }] : [trigger.include].flat();
    if (includes.length !== 1) throw new Error(`${job.name}: the e2e runs triggers of one include, not ${includes.length}`);
    const include = includes[0]!;
    const id = this.options.nextPipelineId();
    const cwd = path.join(this.options.workDir, `pipeline-${id}`);
    await copySource(this.options.sourceDir, cwd);
    const file = 'artifact' in include ? include.artifact : include.local;
    const from = 'artifact' in include ? path.join(artifactsDir(parent.cwd, include.job), include.artifact) : path.join(parent.cwd, include.local);
    const text = await readFile(from, 'utf8');
    const variables: Record<string, string> = {
      ...this.pipelineVariables(id),
      CI_PIPELINE_SOURCE: 'parent_pipeline',
      ...triggerVariables(expanded, job.name, parent.variables),
    };
    // What `needs: pipeline: $PARENT_PIPELINE_ID` gives a job: the artifacts of that pipeline's job.
    for (const need of pipelineNeeds(text)) {
      const source = this.pipelineById(parent, Number(expand(need.pipeline, variables)));
      if (!source) throw new Error(`${job.name}: needs pipeline ${need.pipeline} (${expand(need.pipeline, variables)}), which is not an ancestor`);
      const producers = source.jobs.filter((j) => [j.name, gitlabJobName(j.name), baseName(j.name)].includes(need.job));
      for (const producer of producers) await copyArtifacts(artifactsDir(source.cwd, producer.name), cwd);
    }
    await mkdir(path.dirname(path.join(cwd, file)), { recursive: true });
    await writeFile(path.join(cwd, file), text);
    await initGitRepository(cwd);
    return this.run({ id, name: job.name, text, cwd, source: 'parent_pipeline', variables, jobs: [], status: 'success', parent }, file);
  }

  /** What GitLab predefines per pipeline, on top of what every pipeline of the commit has. */
  private pipelineVariables(id: number): Record<string, string> {
    const { variables } = this.options;
    const url: Record<string, string> = variables.CI_PROJECT_URL ? { CI_PIPELINE_URL: `${variables.CI_PROJECT_URL}/-/pipelines/${id}` } : {};
    return { ...variables, CI_PIPELINE_ID: String(id), CI_PIPELINE_IID: String(id), ...url };
  }

  private pipelineById(from: PipelineRun, id: number): PipelineRun | undefined {
    for (let p: PipelineRun | undefined = from; p; p = p.parent) if (p.id === id) return p;
    return undefined;
  }
}

/** A job's log as gitlab-ci-local wrote it. */
export function logOf(pipeline: PipelineRun, job: string): Promise<string> {
  return jobLog(pipeline.cwd, job);
}

/** Every pipeline of a hierarchy, parents first. */
export function allPipelines(root: PipelineRun): PipelineRun[] {
  return [root, ...root.jobs.flatMap((job) => (job.child ? allPipelines(job.child) : []))];
}

function jobDefinition(expanded: ExpandedPipeline, name: string): Record<string, unknown> {
  return (expanded[baseName(name)] ?? {}) as Record<string, unknown>;
}

/** `job: [1/4]` (parallel) and `job: [a, b]` (matrix) are instances of `job`. */
function baseName(name: string): string {
  return name.replace(/: \[[^\]]*\]$/, '');
}

/**
 * Whether a job runs once the jobs it waits for (dependenciesOf) have ended, as GitLab's `when`
 * says: `always`; `on_failure` only when one of them failed; otherwise only when none did.
 */
export function runsAfter(when: string | undefined, failedBefore: boolean): boolean {
  return when === 'always' || (when === 'on_failure') === failedBefore;
}

/**
 * What GitLab passes downstream from the trigger job `trigger` of the pipeline `file`: its
 * variables and the file's global ones, expanded with the parent pipeline's `variables`.
 */
export function triggerVariables(file: ExpandedPipeline, trigger: string, variables: Record<string, string>): Record<string, string> {
  const yamlVariables = { ...stringValues(file.variables), ...stringValues(jobDefinition(file, trigger).variables) };
  return Object.fromEntries(Object.entries(yamlVariables).map(([name, value]) => [name, expand(value, variables)]));
}

/**
 * gitlab-ci-local runs a `when: on_failure` job only after a failed job of the same call, and
 * it is called once per job: the runner has decided these run, so they run from a copy of the
 * file where they are ordinary jobs. Returns the copy's name, relative to `cwd`.
 */
async function asOrdinaryJobs(cwd: string, file: string, names: string[]): Promise<string> {
  const document = load(await readFile(path.join(cwd, file), 'utf8')) as Record<string, Record<string, unknown>>;
  for (const name of names) document[baseName(name)] = { ...document[baseName(name)], when: 'on_success' };
  const copy = path.join(path.dirname(file), `.on-failure-${path.basename(file)}`);
  await writeFile(path.join(cwd, copy), dump(document, { lineWidth: -1 }));
  return copy;
}

/** What a job waits for: its `needs` in this pipeline, or every job of the earlier stages. */
function dependenciesOf(job: ListedJob, jobs: ListedJob[], stages: string[]): string[] {
  if (job.needs) {
    return job.needs
      .filter((need) => !need.pipeline && !need.project)
      .flatMap((need) => jobs.filter((other) => baseName(other.name) === need.job || other.name === need.job).map((other) => other.name));
  }
  const stage = stages.indexOf(job.stage);
  return jobs.filter((other) => stages.indexOf(other.stage) < stage).map((other) => other.name);
}

function stringValues(variables: unknown): Record<string, string> {
  if (!variables || typeof variables !== 'object') return {};
  return Object.fromEntries(
    Object.entries(variables as Record<string, unknown>).map(([name, value]) => [
      name,
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a variable's value is a scalar in any file GitLab accepts
      typeof value === 'object' && value !== null ? String((value as { value?: unknown }).value ?? '') : String(value),
    ]),
  );
}

/** GitLab's variable expansion in trigger variables: `$NAME` and `${NAME}`. */
function expand(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, plain?: string) =>
    match === '$$' ? '$' : (variables[braced ?? plain ?? ''] ?? ''),
  );
}

function pipelineNeeds(text: string): { pipeline: string; job: string }[] {
  const document = (load(text) ?? {}) as Record<string, { needs?: unknown[] }>;
  const needs = Object.values(document).flatMap((job) => (job && typeof job === 'object' && Array.isArray(job.needs) ? job.needs : []));
  const found = new Map<string, { pipeline: string; job: string }>();
  for (const need of needs) {
    if (need && typeof need === 'object' && 'pipeline' in need && 'job' in need) {
      const entry = { pipeline: String(need.pipeline), job: String(need.job) };
      found.set(`${entry.pipeline} ${entry.job}`, entry);
    }
  }
  return [...found.values()];
}

async function copyArtifacts(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, force: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

async function copySource(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true, filter: (source) => !/\/(\.git|\.gitlab-ci-local)$/.test(source) });
}
