import { provenanceKey } from '../provenance/package-list.js';
import { sifObjectTag, type SifStore } from '../sif/store.js';
import type { Architecture } from '../settings/settings.js';
import { slugify } from '../pipeline/ci-context.js';

/** The project's branches now, and its protected-branch rules (names or wildcards). */
export interface ProjectBranches {
  names: string[];
  protectedPatterns: string[];
}

/** Where container images are tagged: what branch cleanup reads and deletes. */
export interface ContainerTagStore {
  /** Every tag of the repository; none when it does not exist. */
  listTags(repository: string): Promise<string[]>;
  /** Content digest the tag points to; deleting it deletes every tag on that digest. */
  digest(repository: string, tag: string): Promise<string>;
  deleteManifest(repository: string, digest: string): Promise<void>;
}

/**
 * The branch slugs whose containers stay: every existing branch, the default branch, and
 * whatever a protected-branch rule matches (`release/*` keeps `release-2024` even once deleted).
 */
export interface KeptBranches {
  slugs: Set<string>;
  protectedRules: RegExp[];
  /** The architectures whose tags end in `-<arch>`: all but the primary one (see tagSuffix). */
  suffixed: readonly Architecture[];
}

export function keptBranches(defaultBranch: string, branches: ProjectBranches, suffixed: readonly Architecture[]): KeptBranches {
  return {
    suffixed,
    slugs: new Set([defaultBranch, ...branches.names, ...branches.protectedPatterns.filter((p) => !p.includes('*'))].map(slugify)),
    protectedRules: branches.protectedPatterns.map(protectedRule),
  };
}

/** A protected-branch name or wildcard as a test on branch slugs. */
function protectedRule(pattern: string): RegExp {
  const pieces = pattern.split('*').map((piece) => piece.toLowerCase().replace(/[^a-z0-9]/g, '-'));
  return new RegExp(`^${pieces.join('[a-z0-9-]*')}$`);
}

/**
 * The branch slugs a tag (`<version>__<slug>`, `-<arch>` appended for the `suffixed`
 * architectures; see tagSuffix) may belong to. `1.0__fix-arm64` is branch `fix-arm64` on amd64
 * or branch `fix` on arm64, so both are candidates. Default-branch names carry no `__` and
 * belong to no branch.
 */
export function branchSlugCandidates(name: string, suffixed: readonly Architecture[]): string[] {
  const at = name.lastIndexOf('__');
  if (at < 0) return [];
  const slug = name.slice(at + 2);
  const candidates = [slug];
  for (const arch of suffixed) if (slug.endsWith(`-${arch}`)) candidates.push(slug.slice(0, -arch.length - 1));
  return candidates.filter((c) => /^[a-z0-9-]+$/.test(c));
}

/** The slug of the deleted branch a name belongs to, or undefined when it must be kept. */
export function deletedBranchOf(name: string, kept: KeptBranches): string | undefined {
  const candidates = branchSlugCandidates(name, kept.suffixed);
  if (candidates.length === 0) return undefined;
  if (candidates.some((slug) => kept.slugs.has(slug) || kept.protectedRules.some((rule) => rule.test(slug)))) return undefined;
  return candidates[candidates.length - 1];
}

export interface CleanupReport {
  dryRun: boolean;
  branches: { existing: number; protectedRules: string[] };
  repositories: string[];
  deletedTags: { repository: string; tag: string; branchSlug: string; digest: string }[];
  /** Tags of deleted branches left alone: their digest is also under a kept tag. */
  keptSharedTags: { repository: string; tag: string; sharedWith: string[] }[];
  /** Each SIF goes with the provenance file beside it. */
  deletedSifs: { key: string; provenance: string; branchSlug: string }[];
}

export interface CleanupStores {
  tags: ContainerTagStore;
  sifs: SifStore;
}

/**
 * Remove the tags and SIF files of branches that no longer exist. A manifest is deleted by
 * digest, which removes every tag on it; a digest also under a kept tag is never deleted.
 */
export async function cleanDeletedBranches(
  stores: CleanupStores,
  repositories: string[],
  branches: ProjectBranches,
  defaultBranch: string,
  suffixed: readonly Architecture[],
  dryRun: boolean,
): Promise<CleanupReport> {
  const kept = keptBranches(defaultBranch, branches, suffixed);
  const report: CleanupReport = {
    dryRun,
    branches: { existing: branches.names.length, protectedRules: branches.protectedPatterns },
    repositories,
    deletedTags: [],
    keptSharedTags: [],
    deletedSifs: [],
  };
  for (const repository of repositories) {
    const tags = await stores.tags.listTags(repository);
    const doomed: { tag: string; branchSlug: string; digest: string }[] = [];
    for (const tag of tags) {
      const branchSlug = deletedBranchOf(tag, kept);
      // Every digest is read before the first delete, which removes all tags on its manifest.
      if (branchSlug) doomed.push({ tag, branchSlug, digest: await stores.tags.digest(repository, tag) });
    }
    if (doomed.length === 0) continue;
    const keptDigests = new Map<string, string[]>();
    for (const tag of tags.filter((t) => !doomed.some((d) => d.tag === t))) {
      const digest = await stores.tags.digest(repository, tag);
      keptDigests.set(digest, [...(keptDigests.get(digest) ?? []), tag]);
    }
    const deletedDigests = new Set<string>();
    for (const { tag, branchSlug, digest } of doomed) {
      const sharedWith = keptDigests.get(digest);
      if (sharedWith) {
        report.keptSharedTags.push({ repository, tag, sharedWith });
        continue;
      }
      if (!dryRun && !deletedDigests.has(digest)) await stores.tags.deleteManifest(repository, digest);
      deletedDigests.add(digest);
      report.deletedTags.push({ repository, tag, branchSlug, digest });
    }
  }
  for (const key of await stores.sifs.list()) {
    const tag = sifObjectTag(key);
    const branchSlug = tag === undefined ? undefined : deletedBranchOf(tag, kept);
    if (!branchSlug) continue;
    const provenance = provenanceKey(key);
    if (!dryRun) {
      await stores.sifs.delete(key);
      await stores.sifs.delete(provenance);
    }
    report.deletedSifs.push({ key, provenance, branchSlug });
  }
  return report;
}
