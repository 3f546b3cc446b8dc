import type { Architecture } from '../settings/settings.js';

/** Names of root jobs that generated pipelines refer to; the root .gitlab-ci.yml defines them. */
export const ROOT_JOBS = {
  createJobs: 'create-jobs',
  spackGenerate: (arch: Architecture) => `spack-generate:${arch}`,
  processSpackPipeline: (arch: Architecture) => `process-spack-pipeline:${arch}`,
};
