import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import type { FakeGitlab } from '../../support/gitlab-server.js';
import { artifactsDir, gitlabJobName } from './gitlab-ci-local.js';
import type { PipelineRun } from './pipeline-runner.js';

async function filesBelow(root: string, prefix = ''): Promise<Record<string, Uint8Array>> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true }).catch(() => []);
  const files: Record<string, Uint8Array> = {};
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(files, await filesBelow(root, relative));
    else if (entry.isFile()) files[relative] = await readFile(path.join(root, relative));
  }
  return files;
}

/**
 * Tells the loopback GitLab API about a finished pipeline as GitLab would record it: the
 * pipeline with its ref and source, its jobs with their artifacts archives, its trigger jobs
 * (bridges) with their downstream pipelines. Later pipelines read it through the API.
 */
export async function recordPipeline(gitlab: FakeGitlab, run: PipelineRun, ref: string, nextJobId: () => number): Promise<void> {
  gitlab.pipelines.push({ id: run.id, ref, status: run.status === 'success' ? 'success' : 'failed', source: run.source });
  const jobs = [];
  const bridges = [];
  for (const job of run.jobs) {
    const status = job.status === 'skipped' ? 'skipped' : job.status;
    if (job.child) {
      bridges.push({ id: nextJobId(), name: job.name, status, downstream: { id: job.child.id, status: job.child.status } });
      continue;
    }
    const files = await filesBelow(artifactsDir(run.cwd, job.name));
    jobs.push({
      id: nextJobId(),
      name: gitlabJobName(job.name),
      status,
      stage: job.stage,
      ...(Object.keys(files).length > 0 ? { archive: zipSync(files) } : {}),
    });
  }
  gitlab.jobs.set(run.id, jobs);
  gitlab.bridges.set(run.id, bridges);
}
