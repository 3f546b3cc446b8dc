import type { BuildCacheEntry } from './entry.js';

const DAY_MS = 86_400_000;

/** An entry as far as its label goes: one of the cache, or one deleted before (a tombstone). */
export type EntryRef = Pick<BuildCacheEntry, 'hash' | 'name' | 'version'>;

/** Why an entry goes: it is old and no current environment uses it, or something it needs goes. */
export type DeletionReason = { kind: 'unused'; ageDays: number } | { kind: 'dependency'; dependsOn: EntryRef };

export interface Deletion {
  entry: BuildCacheEntry;
  reason: DeletionReason;
}

export interface CleanupDecision {
  deletions: Deletion[];
  /** Entries the keep set protects (directly or as a dependency of a protected entry). */
  protectedCount: number;
}

export interface CleanupPolicy {
  maxAgeDays: number;
  now: Date;
  /** Entries deleted earlier and not back: whatever still depends on one goes too. */
  deleted?: ReadonlyMap<string, EntryRef>;
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
export function decideCleanup(entries: BuildCacheEntry[], keep: ReadonlySet<string>, policy: CleanupPolicy): CleanupDecision {
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
  const queue: EntryRef[] = [];
  // A dependent pushed while its dependency was being deleted: it is broken, and goes with it.
  for (const [hash, tombstone] of policy.deleted ?? []) if (!byHash.has(hash)) queue.push(tombstone);
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

/**
 * Of the decided deletions, those that may go now: marked at least `graceMs` ago (or, for a
 * dependent of an entry deleted before, at once), and then only those no entry that stays depends
 * on, until nothing changes. Everything else waits for a later run.
 */
export function dueNow(entries: BuildCacheEntry[], deletions: Deletion[], markedAt: ReadonlyMap<string, number>, now: number, graceMs: number): Set<string> {
  const present = new Set(entries.map((entry) => entry.hash));
  const reasons = new Map(deletions.map(({ entry, reason }) => [entry.hash, reason]));
  const broken = (hash: string): boolean => {
    const reason = reasons.get(hash);
    if (reason?.kind !== 'dependency') return false;
    return !present.has(reason.dependsOn.hash) || broken(reason.dependsOn.hash);
  };
  const due = deletions.filter(({ entry }) => broken(entry.hash) || now - (markedAt.get(entry.hash) ?? now) >= graceMs).map(({ entry }) => entry.hash);
  return withoutNeeded(entries, new Set(due));
}

/** `doomed` less every entry that some entry outside it depends on, until nothing changes. */
export function withoutNeeded(entries: BuildCacheEntry[], doomed: ReadonlySet<string>): Set<string> {
  const going = new Set(doomed);
  for (let changed = true; changed;) {
    changed = false;
    for (const entry of entries) {
      if (going.has(entry.hash)) continue;
      for (const dependency of entry.dependencies) changed = going.delete(dependency) || changed;
    }
  }
  return going;
}

/** Dependents before their dependencies: stopping anywhere leaves nothing that needs a deleted entry. */
export function deletionOrder(entries: BuildCacheEntry[]): BuildCacheEntry[] {
  const byHash = new Map(entries.map((entry) => [entry.hash, entry]));
  const done = new Set<string>();
  const order: BuildCacheEntry[] = [];
  const visit = (entry: BuildCacheEntry) => {
    if (done.has(entry.hash)) return;
    done.add(entry.hash);
    for (const dependency of entry.dependencies) {
      const inner = byHash.get(dependency);
      if (inner) visit(inner);
    }
    order.push(entry);
  };
  for (const entry of entries) visit(entry);
  return order.reverse();
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
