import type { Architecture } from '../settings/settings.js';

/** Names of root jobs that generated pipelines refer to; the component (templates/) defines them. */
export const ROOT_JOBS = {
  createJobs: 'create-jobs',
  spackGenerate: (arch: Architecture) => `spack-generate:${arch}`,
  processSpackPipeline: (arch: Architecture) => `process-spack-pipeline:${arch}`,
};
