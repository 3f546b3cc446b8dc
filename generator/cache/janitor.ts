import type { BuildCacheEntry } from './entry.js';

const DAY_MS = 86_400_000;

/** Why an entry goes: it is old and no current environment uses it, or something it needs goes. */
export type DeletionReason = { kind: 'unused'; ageDays: number } | { kind: 'dependency'; dependsOn: BuildCacheEntry };

export interface Deletion {
  entry: BuildCacheEntry;
  reason: DeletionReason;
}

export interface CleanupPlan {
  deletions: Deletion[];
  /** Entries the keep set protects (directly or as a dependency of a protected entry). */
  protectedCount: number;
}

export interface CleanupPolicy {
  maxAgeDays: number;
  now: Date;
}

export function ageInDays(entry: BuildCacheEntry, now: Date): number {
  return (now.getTime() - entry.pushedAt.getTime()) / DAY_MS;
}

/**
 * Decide what leaves one build cache: every entry older than the policy's age that the keep set
 * does not protect, then every entry depending on a deleted one, until nothing changes. The keep
 * set is first closed over the cache's own dependency graph, so a protected entry never loses a
 * dependency and is never touched, whatever its age.
 */
export function planCleanup(entries: BuildCacheEntry[], keep: ReadonlySet<string>, policy: CleanupPolicy): CleanupPlan {
  const byHash = new Map(entries.map((entry) => [entry.hash, entry]));
  const protectedHashes = closure([...keep], (hash) => byHash.get(hash)?.dependencies ?? []);
  const dependents = new Map<string, BuildCacheEntry[]>();
  for (const entry of entries) {
    for (const dependency of entry.dependencies) {
      const list = dependents.get(dependency);
      if (list) list.push(entry);
      else dependents.set(dependency, [entry]);
    }
  }

  const deletions = new Map<string, Deletion>();
  const queue: BuildCacheEntry[] = [];
  for (const entry of entries) {
    const ageDays = ageInDays(entry, policy.now);
    if (protectedHashes.has(entry.hash) || ageDays <= policy.maxAgeDays) continue;
    deletions.set(entry.hash, { entry, reason: { kind: 'unused', ageDays } });
    queue.push(entry);
  }
  while (queue.length > 0) {
    const gone = queue.shift()!;
    for (const dependent of dependents.get(gone.hash) ?? []) {
      if (deletions.has(dependent.hash) || protectedHashes.has(dependent.hash)) continue;
      deletions.set(dependent.hash, { entry: dependent, reason: { kind: 'dependency', dependsOn: gone } });
      queue.push(dependent);
    }
  }
  const protectedCount = entries.filter((entry) => protectedHashes.has(entry.hash)).length;
  return { deletions: [...deletions.values()], protectedCount };
}

function closure(start: string[], next: (hash: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const hash = stack.pop()!;
    if (seen.has(hash)) continue;
    seen.add(hash);
    stack.push(...next(hash));
  }
  return seen;
}
