import type { JobSchema } from '@gitbeaker/rest';
import { unzipSync } from 'fflate';
import { withRetries, type GitlabProject } from './client.js';
import { SpacktainersError } from '../../errors.js';

export interface PipelineRef {
  id: number;
  webUrl: string;
}

/** One file out of a job's artifacts archive. */
export interface ArtifactFile {
  pipelineId: number;
  job: string;
  jobId: number;
  path: string;
  content: Uint8Array;
}

/**
 * Which job's artifacts to take: `bridges` are the trigger jobs to follow from the starting
 * pipeline down to the pipeline holding `job`, in order. A `parallel:` job (`name 1/4`) is
 * matched by its base name, and every one of its instances is taken.
 */
export interface ArtifactSource {
  bridges: string[];
  job: string;
}

const UNFINISHED = new Set(['created', 'waiting_for_resource', 'preparing', 'pending', 'running', 'scheduled', 'manual']);

/**
 * The newest successful pipeline of `ref` that is not a child pipeline: GitLab lists child
 * pipelines with their parent's ref, and their artifacts are not the root's.
 */
export async function latestSuccessfulPipeline(project: GitlabProject, ref: string): Promise<PipelineRef> {
  const pipelines = await withRetries(project, `list the successful pipelines of ${ref}`, () =>
    project.api.Pipelines.all(project.projectId, { ref, status: 'success', orderBy: 'id', sort: 'desc', perPage: 50, maxPages: 1 }),
  );
  const pipeline = pipelines.find((p) => p.source !== 'parent_pipeline');
  if (!pipeline) throw new SpacktainersError('service', `no successful pipeline on ${ref} among the latest ${pipelines.length}`);
  return { id: pipeline.id, webUrl: pipeline.web_url };
}

/** How many of the newest successful pipelines are searched for one that ran a job. */
export const LOOK_BACK_PIPELINES = 20;

/** The pipeline found for a job, or why there is none. */
export type PipelineWithJob = { pipeline: PipelineRef } | { missing: string };

/**
 * For each job name, the newest successful root pipeline of `ref` (among the latest
 * `lookBack`) that ran it: not every pipeline runs every job (a scheduled cleanup runs none of
 * the generate jobs; an architecture without definitions has none). Each pipeline's jobs are
 * listed once, newest first, until every name is found.
 */
export async function latestPipelinesWithJobs(
  project: GitlabProject,
  ref: string,
  jobNames: readonly string[],
  lookBack = LOOK_BACK_PIPELINES,
): Promise<Map<string, PipelineWithJob>> {
  const listed = await withRetries(project, `list the successful pipelines of ${ref}`, () =>
    project.api.Pipelines.all(project.projectId, { ref, status: 'success', orderBy: 'id', sort: 'desc', perPage: lookBack, maxPages: 1 }),
  );
  const pipelines = listed.filter((p) => p.source !== 'parent_pipeline');
  const found = new Map<string, PipelineWithJob>();
  for (const pipeline of pipelines) {
    const wanted = jobNames.filter((name) => !found.has(name));
    if (wanted.length === 0) break;
    const jobs = await pipelineJobs(project, pipeline.id);
    for (const name of wanted) {
      if (jobs.some((job) => job.name === name || isParallelInstance(job.name, name)))
        found.set(name, { pipeline: { id: pipeline.id, webUrl: pipeline.web_url } });
    }
  }
  const searched =
    pipelines.length === 0
      ? `${ref} has no successful pipeline among its latest ${lookBack}`
      : `none of the latest ${pipelines.length} successful pipelines of ${ref} ran it`;
  for (const name of jobNames) if (!found.has(name)) found.set(name, { missing: `no job "${name}": ${searched}` });
  return found;
}

export async function pipelineRef(project: GitlabProject, id: number): Promise<PipelineRef> {
  const pipeline = await withRetries(project, `read pipeline #${id}`, () => project.api.Pipelines.show(project.projectId, id));
  return { id: pipeline.id, webUrl: pipeline.web_url };
}

/** The files of the source job's artifacts whose path `wanted` accepts. */
export async function artifactFiles(
  project: GitlabProject,
  pipelineId: number,
  source: ArtifactSource,
  wanted: (path: string) => boolean,
): Promise<ArtifactFile[]> {
  let current = pipelineId;
  for (const bridge of source.bridges) current = await childPipeline(project, current, bridge);
  const files: ArtifactFile[] = [];
  for (const job of await finishedJobs(project, current, source.job)) {
    if (!hasArchive(current, job)) continue;
    const archive = await downloadArchive(project, current, job);
    for (const [path, content] of Object.entries(unzipArchive(archive, current, job, wanted))) {
      files.push({ pipelineId: current, job: job.name, jobId: job.id, path, content });
    }
  }
  return files;
}

/** The child pipeline a trigger job started, once it has finished. */
async function childPipeline(project: GitlabProject, pipelineId: number, bridgeName: string): Promise<number> {
  const bridges = await pipelineBridges(project, pipelineId);
  const bridge = bridges.find((b) => b.name === bridgeName);
  if (!bridge) throw new SpacktainersError('service', `pipeline #${pipelineId} has no trigger job "${bridgeName}"`);
  const child = bridge.downstream_pipeline as { id: number; status: string } | null;
  if (!child)
    throw new SpacktainersError('service', `trigger job "${bridgeName}" of pipeline #${pipelineId} has not started a child pipeline (${bridge.status})`);
  if (UNFINISHED.has(child.status)) {
    throw new SpacktainersError('service', `child pipeline #${child.id} of trigger job "${bridgeName}" (pipeline #${pipelineId}) is still ${child.status}`);
  }
  return child.id;
}

/** The jobs of a pipeline, without its trigger jobs and without those of its child pipelines. */
export function pipelineJobs(project: GitlabProject, pipelineId: number) {
  return withRetries(project, `list the jobs of pipeline #${pipelineId}`, () => project.api.Jobs.all(project.projectId, { pipelineId, perPage: 100 }));
}

/** The trigger jobs of a pipeline, each with the child pipeline it started, if any. */
export function pipelineBridges(project: GitlabProject, pipelineId: number) {
  return withRetries(project, `list the trigger jobs of pipeline #${pipelineId}`, () => project.api.Jobs.allPipelineBridges(project.projectId, pipelineId));
}

async function finishedJobs(project: GitlabProject, pipelineId: number, name: string) {
  const jobs = await pipelineJobs(project, pipelineId);
  const matching = jobs.filter((job) => job.name === name || isParallelInstance(job.name, name));
  if (matching.length === 0) throw new SpacktainersError('service', `pipeline #${pipelineId} has no job "${name}"`);
  for (const job of matching) {
    if (job.status !== 'success')
      throw new SpacktainersError('service', `job "${job.name}" (#${job.id}) of pipeline #${pipelineId} is ${job.status}, not success`);
  }
  return matching;
}

/**
 * Whether the job uploaded an archive. A job whose paths matched nothing (a generate shard with
 * no container) has none, which is fine; one whose archive expired is an error.
 */
function hasArchive(pipelineId: number, job: JobSchema): boolean {
  if (job.artifacts.some((a) => a.file_type === 'archive')) return true;
  if (job.artifacts_expire_at && Date.parse(job.artifacts_expire_at) < Date.now()) {
    throw new SpacktainersError('service', `the artifacts of job "${job.name}" (#${job.id}) of pipeline #${pipelineId} expired at ${job.artifacts_expire_at}`);
  }
  return false;
}

function isParallelInstance(jobName: string, baseName: string): boolean {
  return jobName.startsWith(`${baseName} `) && /^\d+\/\d+$/.test(jobName.slice(baseName.length + 1));
}

async function downloadArchive(project: GitlabProject, pipelineId: number, job: { id: number; name: string }): Promise<Uint8Array> {
  const what = `download the artifacts of job "${job.name}" (#${job.id}) of pipeline #${pipelineId}`;
  try {
    const blob = await withRetries(project, what, () => project.api.JobArtifacts.downloadArchive(project.projectId, { jobId: job.id }));
    return new Uint8Array(await blob.arrayBuffer());
  } catch (error) {
    if (error instanceof SpacktainersError && error.status === 404) {
      throw new SpacktainersError('service', `${what}: the job has no artifacts archive (expired, erased or never uploaded)`, { status: 404 });
    }
    throw error;
  }
}

function unzipArchive(archive: Uint8Array, pipelineId: number, job: { id: number; name: string }, wanted: (path: string) => boolean) {
  try {
    return unzipSync(archive, { filter: (file) => wanted(file.name) });
  } catch (error) {
    throw new SpacktainersError(
      'service',
      `the artifacts archive of job "${job.name}" (#${job.id}) of pipeline #${pipelineId} is not a readable zip: ${(error as Error).message}`,
    );
  }
}
