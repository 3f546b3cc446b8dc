import type { SpackLock } from './lock.js';
import { compareCodePoints } from '../pipeline/order.js';

/** How one package differs between two locks: versions before and after (empty when absent). */
export interface PackageChange {
  name: string;
  before: string[];
  after: string[];
}

export type PackageChangeKind = 'added' | 'removed' | 'changed';

export function changeKind(change: PackageChange): PackageChangeKind {
  if (change.before.length === 0) return 'added';
  if (change.after.length === 0) return 'removed';
  return 'changed';
}

/**
 * Packages added, removed or at other versions in `after`, by name. A package can be in a lock
 * more than once (a build dependency at another version), so versions are compared as sets.
 */
export function packageChanges(before: SpackLock | undefined, after: SpackLock | undefined): PackageChange[] {
  const old = versionsByName(before);
  const now = versionsByName(after);
  const names = [...new Set([...old.keys(), ...now.keys()])].sort(compareCodePoints);
  return names.map((name) => ({ name, before: old.get(name) ?? [], after: now.get(name) ?? [] })).filter((c) => c.before.join(' ') !== c.after.join(' '));
}

/** Concrete specs of `after` that `before` does not have: new versions, variants or dependencies. */
export function newSpecCount(before: SpackLock | undefined, after: SpackLock): number {
  return [...after.specs.keys()].filter((hash) => !before?.specs.has(hash)).length;
}

function versionsByName(lock: SpackLock | undefined): Map<string, string[]> {
  const versions = new Map<string, Set<string>>();
  for (const spec of lock?.specs.values() ?? []) {
    versions.set(spec.name, (versions.get(spec.name) ?? new Set()).add(spec.version));
  }
  return new Map([...versions].map(([name, set]) => [name, [...set].sort(compareCodePoints)]));
}
