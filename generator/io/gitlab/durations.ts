import type { JobRun } from '../../spack/durations.js';
import { pipelineBridges, pipelineJobs, type PipelineRef } from './artifacts.js';
import { withRetries, type GitlabProject } from './client.js';

/** GitLab's largest page. */
const PAGE_SIZE = 100;

/**
 * The newest `count` successful root pipelines of `ref`, newest first. GitLab lists child
 * pipelines with their parent's ref, several per root, so pages are read until enough roots
 * are found or the list ends.
 */
export async function latestRootPipelines(project: GitlabProject, ref: string, count: number): Promise<PipelineRef[]> {
  const found: PipelineRef[] = [];
  for (let page = 1; found.length < count; page++) {
    const listed = await withRetries(project, `list the successful pipelines of ${ref}`, () =>
      project.api.Pipelines.all(project.projectId, { ref, status: 'success', orderBy: 'id', sort: 'desc', perPage: PAGE_SIZE, page }),
    );
    const roots = listed.filter((p) => p.source !== 'parent_pipeline');
    found.push(...roots.slice(0, count - found.length).map((p) => ({ id: p.id, webUrl: p.web_url })));
    if (listed.length < PAGE_SIZE) break;
  }
  return found;
}

/** Pipelines read at once: the jobs and trigger jobs of each are one or more requests. */
const CONCURRENT_PIPELINES = 8;

/**
 * The successful job runs of the given pipelines and of every pipeline of this project their
 * trigger jobs started, to any depth (the Spack build jobs are in grandchildren of the root).
 */
export async function successfulJobRuns(project: GitlabProject, pipelineIds: readonly number[]): Promise<JobRun[]> {
  const runs: JobRun[] = [];
  const seen = new Set(pipelineIds);
  const pending = [...pipelineIds];
  while (pending.length > 0) {
    const batch = pending.splice(0, CONCURRENT_PIPELINES);
    const read = await Promise.all(batch.map((id) => Promise.all([pipelineJobs(project, id), pipelineBridges(project, id)])));
    for (const [jobs, bridges] of read) {
      for (const job of jobs) {
        if (job.status === 'success' && typeof job.duration === 'number') runs.push({ id: job.id, name: job.name, seconds: job.duration });
      }
      for (const bridge of bridges) {
        const child = bridge.downstream_pipeline as { id: number; project_id?: number } | null;
        // A multi-project trigger's pipeline is another project's, whose jobs this token may not list.
        if (!child || (child.project_id !== undefined && String(child.project_id) !== project.projectId) || seen.has(child.id)) continue;
        seen.add(child.id);
        pending.push(child.id);
      }
    }
  }
  return runs;
}
