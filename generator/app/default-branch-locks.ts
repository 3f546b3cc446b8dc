import { ROOT_JOBS } from '../pipeline/root-jobs.js';
import type { Architecture } from '../settings/settings.js';
import { spackOutputsRoot } from '../spack/environment.js';
import { parseSpackLock, type SpackLock } from '../spack/lock.js';
import { artifactFiles, latestPipelinesWithJobs, type PipelineRef } from '../io/gitlab/artifacts.js';
import type { GitlabProject } from '../io/gitlab/client.js';
import { SpacktainersError } from '../errors.js';

/** One architecture's locks on the default branch (by container name), or why they are not known. */
export type DefaultBranchBase = { pipeline: PipelineRef; locks: Map<string, SpackLock> } | { missing: string };

/**
 * Per architecture, the spack.lock of every container in the newest successful default-branch
 * pipeline that ran its `spack-generate:<arch>` jobs, from their artifacts (every parallel
 * instance). Where no such pipeline is found, or its artifacts cannot be read (expired), the
 * reason takes the locks' place: a note can still say what it compared.
 */
export async function defaultBranchLocks(
  project: GitlabProject,
  defaultBranch: string,
  arches: readonly Architecture[],
  generatedRoot: string,
): Promise<Map<Architecture, DefaultBranchBase>> {
  const pipelines = await latestPipelinesWithJobs(project, defaultBranch, arches.map(ROOT_JOBS.spackGenerate));
  const bases = new Map<Architecture, DefaultBranchBase>();
  for (const arch of arches) {
    const found = pipelines.get(ROOT_JOBS.spackGenerate(arch))!;
    if ('missing' in found) {
      bases.set(arch, found);
      continue;
    }
    try {
      bases.set(arch, { pipeline: found.pipeline, locks: await locksOf(project, found.pipeline, arch, generatedRoot) });
    } catch (error) {
      if (!(error instanceof SpacktainersError && error.kind === 'service')) throw error;
      bases.set(arch, { missing: error.message });
    }
  }
  return bases;
}

async function locksOf(project: GitlabProject, pipeline: PipelineRef, arch: Architecture, generatedRoot: string): Promise<Map<string, SpackLock>> {
  const pattern = new RegExp(`^${escapeRegExp(spackOutputsRoot(arch, generatedRoot))}/([^/]+)/spack\\.lock$`);
  const byName = new Map<string, SpackLock>();
  const files = await artifactFiles(project, pipeline.id, { bridges: [], job: ROOT_JOBS.spackGenerate(arch) }, (path) => pattern.test(path));
  for (const file of files) {
    const source = `${file.path} (job "${file.job}" #${file.jobId} of pipeline #${file.pipelineId})`;
    byName.set(pattern.exec(file.path)![1]!, parseSpackLock(source, new TextDecoder().decode(file.content)));
  }
  return byName;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
