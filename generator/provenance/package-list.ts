import { createHash } from 'node:crypto';
import type { SpackLock } from '../spack/lock.js';
import { byKeys, compareCodePoints } from '../pipeline/order.js';

/** One installed package of a container, as a user asks about it. */
export interface PackageRecord {
  name: string;
  version: string;
  hash: string;
  variants: string;
}

/**
 * What is inside a container, shipped in the image (/opt/spacktainer/provenance.json) and
 * beside its SIF, so "which containers ship package X version Y" has an answer.
 */
export interface Provenance {
  container: string;
  arch: string;
  version: string;
  /** Spack containers: the lock they were installed from, and its packages. */
  spackLockDigest?: string;
  packages: PackageRecord[];
  /** `.def` containers: the image they were converted from. */
  sourceImage?: string | undefined;
}

/** Where the provenance of a SIF lives: beside it in the SIF bucket. */
export function provenanceKey(sifKey: string): string {
  return sifKey.replace(/\.sif$/, '.provenance.json');
}

/** Inside every Spack image. */
export const PROVENANCE_IN_IMAGE = '/opt/spacktainer/provenance.json';

/**
 * The digest of what a spack.lock says, not of its bytes: Spack 0.21 writes the roots and the
 * concrete specs of one concretization in an order that changes from run to run (Python's
 * hash randomization), so the same environment concretized twice differs in bytes only. Keys
 * are sorted at every level and the roots by spec and hash, so an unchanged environment keeps
 * its identity and its container is not rebuilt. Text that is not JSON is digested as it is.
 */
export function spackLockDigest(lockText: string): string {
  let canonical = lockText;
  try {
    const lock = JSON.parse(lockText) as { roots?: { spec?: string; hash?: string }[] };
    if (Array.isArray(lock.roots)) {
      lock.roots = [...lock.roots].sort((a, b) => compareCodePoints(`${a.spec} ${a.hash}`, `${b.spec} ${b.hash}`));
    }
    canonical = JSON.stringify(sortedKeys(lock));
  } catch {
    // parseSpackLock reports a malformed lock with its position; the digest needs none.
  }
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compareCodePoints(a, b));
  return Object.fromEntries(entries.map(([key, inner]) => [key, sortedKeys(inner)]));
}

export function packageList(lock: SpackLock): PackageRecord[] {
  return [...lock.specs.values()]
    .map(({ name, version, hash, variants }) => ({ name, version, hash, variants }))
    .sort(
      byKeys(
        (p) => p.name,
        (p) => p.version,
        (p) => p.hash,
      ),
    );
}

export function renderProvenance(provenance: Provenance): string {
  return `${JSON.stringify(provenance, null, 2)}\n`;
}

/** The packages called `name`, at `version` when one is given (a prefix: `1.26` matches 1.26.1). */
export function shipsPackage(packages: PackageRecord[], name: string, version?: string): PackageRecord[] {
  return packages.filter((p) => p.name === name && (version === undefined || p.version === version || p.version.startsWith(`${version}.`)));
}
