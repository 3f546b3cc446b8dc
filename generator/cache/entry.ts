/** The two ways Spack lays out a build cache on a mirror. */
export type CacheLayout = 'v2' | 'v3';

/** One binary package in a build cache, as the janitor sees it. */
export interface BuildCacheEntry {
  layout: CacheLayout;
  /** Spack's 32-character DAG hash. */
  hash: string;
  name: string;
  version: string;
  /** When the entry was pushed: the LastModified of its spec file (v2) or manifest (v3). */
  pushedAt: Date;
  /** The keys the listing found the entry by (spec files or manifest): deleted after its other objects. */
  objects: string[];
  /** Bytes of the objects the listing showed. */
  size: number;
  /** Hashes of the entry's direct dependencies (every dependency type). */
  dependencies: string[];
}

/** `name@version/hash7`, the way Spack prints a spec in short form. */
export function entryLabel(entry: { name: string; version: string; hash: string }): string {
  return `${entry.name}@${entry.version}/${entry.hash.slice(0, 7)}`;
}
