/** The pipelines GitLab creates for this project, and what it tells each of them. */
export type PipelineKind = 'merge-request' | 'default-branch' | 'branch' | 'clean-cache' | 'clean-branches';

export interface KindVariables {
  source: string;
  ref: string;
  variables: Record<string, string>;
  /** Predefined variables GitLab does not set in this kind of pipeline. */
  unset: string[];
}

export const DEFAULT_BRANCH = 'main';
export const MERGE_REQUEST_IID = 7;

/** GitLab's CI_COMMIT_REF_SLUG. */
function slug(ref: string): string {
  return ref
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

/** The predefined variables GitLab gives a pipeline of this kind on `branch` (documented in GitLab's predefined variables reference). */
export function kindVariables(kind: PipelineKind, branch: string, commitSha: string): KindVariables {
  const common = {
    CI_DEFAULT_BRANCH: DEFAULT_BRANCH,
    CI_COMMIT_SHA: commitSha,
    CI_COMMIT_REF_NAME: branch,
    CI_COMMIT_REF_SLUG: slug(branch),
  };
  switch (kind) {
    case 'merge-request':
      return {
        source: 'merge_request_event',
        ref: branch,
        variables: {
          ...common,
          CI_PIPELINE_SOURCE: 'merge_request_event',
          CI_MERGE_REQUEST_IID: String(MERGE_REQUEST_IID),
          CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: branch,
          CI_MERGE_REQUEST_TARGET_BRANCH_NAME: DEFAULT_BRANCH,
        },
        unset: ['CI_COMMIT_BRANCH'],
      };
    case 'default-branch':
      return { source: 'push', ref: DEFAULT_BRANCH, variables: { ...common, CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: branch }, unset: [] };
    case 'branch':
      return { source: 'web', ref: branch, variables: { ...common, CI_PIPELINE_SOURCE: 'web', CI_COMMIT_BRANCH: branch }, unset: [] };
    case 'clean-cache':
    case 'clean-branches':
      return {
        source: 'schedule',
        ref: branch,
        variables: { ...common, CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_BRANCH: branch, SPACKTAINERS_PIPELINE: kind },
        unset: [],
      };
  }
}
