import { architectureNames, type Architecture, type CacheKind, type Settings } from '../settings/settings.js';

/**
 * What the generator needs to know about the pipeline it runs in, read from GitLab's
 * predefined CI variables. Outside CI (a laptop, `npm start`) it behaves as the default branch.
 */
export interface CiContext {
  branch: string;
  /** GitLab's CI_COMMIT_REF_SLUG: lowercase, at most 63 characters, [a-z0-9-]. */
  refSlug: string;
  defaultBranch: string;
  isDefaultBranch: boolean;
  commitSha: string;
  projectUrl: string;
  /** The settings' first architecture: its images carry the plain tags, the others `-<arch>`. */
  primaryArch: Architecture;
}

export function ciContext(settings: Settings, environment: NodeJS.ProcessEnv): CiContext {
  const defaultBranch = environment.CI_DEFAULT_BRANCH || settings.defaultBranch;
  const branch = environment.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME || environment.CI_COMMIT_REF_NAME || defaultBranch;
  return {
    branch,
    refSlug: environment.CI_COMMIT_REF_SLUG || slugify(branch),
    defaultBranch,
    isDefaultBranch: branch === defaultBranch,
    commitSha: environment.CI_COMMIT_SHA || '0000000000000000000000000000000000000000',
    projectUrl: environment.CI_PROJECT_URL || 'https://gitlab.example.org/hpc/spacktainers',
    primaryArch: architectureNames(settings)[0]!,
  };
}

/** The same slug GitLab computes for CI_COMMIT_REF_SLUG. */
export function slugify(ref: string): string {
  return ref
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

export function cacheKind(context: CiContext): CacheKind {
  return context.isDefaultBranch ? 'production' : 'development';
}

/**
 * Tag suffix shared by base images and containers: `__<branch slug>` off the default branch,
 * then `-<arch>` off the primary architecture (which carries none; multi-arch manifests join
 * them under its tag).
 */
export function tagSuffix(context: CiContext, arch: Architecture): string {
  return (context.isDefaultBranch ? '' : `__${context.refSlug}`) + archSuffix(context, arch);
}

/** The part of a tag that names the architecture, as the default branch tags it. */
export function archSuffix(context: CiContext, arch: Architecture): string {
  return arch === context.primaryArch ? '' : `-${arch}`;
}
