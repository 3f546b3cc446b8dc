import { ROOT_JOBS } from '../jobs/create-jobs.js';
import type { Architecture } from '../settings/settings.js';
import { spackOutputsRoot } from '../spack/environment.js';
import { parseSpackLock, type SpackLock } from '../spack/lock.js';
import { artifactFiles, latestSuccessfulPipeline, type PipelineRef } from './artifacts.js';
import type { GitlabProject } from './client.js';

export interface DefaultBranchLocks {
  pipeline: PipelineRef;
  /** By architecture, then container name. */
  locks: Map<Architecture, Map<string, SpackLock>>;
}

/**
 * The spack.lock of every container in the latest successful default-branch pipeline, from the
 * artifacts of its `spack-generate:<arch>` jobs (every parallel instance).
 */
export async function defaultBranchLocks(
  project: GitlabProject,
  defaultBranch: string,
  arches: readonly Architecture[],
  generatedRoot: string,
): Promise<DefaultBranchLocks> {
  const pipeline = await latestSuccessfulPipeline(project, defaultBranch);
  const locks = new Map<Architecture, Map<string, SpackLock>>();
  for (const arch of arches) {
    const pattern = new RegExp(`^${escapeRegExp(spackOutputsRoot(arch, generatedRoot))}/([^/]+)/spack\\.lock$`);
    const byName = new Map<string, SpackLock>();
    const files = await artifactFiles(project, pipeline.id, { bridges: [], job: ROOT_JOBS.spackGenerate(arch) }, (path) => pattern.test(path));
    for (const file of files) {
      const source = `${file.path} (job "${file.job}" #${file.jobId} of pipeline #${file.pipelineId})`;
      byName.set(pattern.exec(file.path)![1]!, parseSpackLock(source, new TextDecoder().decode(file.content)));
    }
    locks.set(arch, byName);
  }
  return { pipeline, locks };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
