import { createHash } from 'node:crypto';
import type { SpackLock } from '../spack/lock.js';

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
  sourceImage?: string;
}

/** Where the provenance of a SIF lives: beside it in the SIF bucket. */
export function provenanceKey(sifKey: string): string {
  return sifKey.replace(/\.sif$/, '.provenance.json');
}

/** Inside every Spack image. */
export const PROVENANCE_IN_IMAGE = '/opt/spacktainer/provenance.json';

export function spackLockDigest(lockText: string): string {
  return `sha256:${createHash('sha256').update(lockText).digest('hex')}`;
}

export function packageList(lock: SpackLock): PackageRecord[] {
  return [...lock.specs.values()]
    .map(({ name, version, hash, variants }) => ({ name, version, hash, variants }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version) || a.hash.localeCompare(b.hash));
}

export function renderProvenance(provenance: Provenance): string {
  return `${JSON.stringify(provenance, null, 2)}\n`;
}

/** The packages called `name`, at `version` when one is given (a prefix: `1.26` matches 1.26.1). */
export function shipsPackage(packages: PackageRecord[], name: string, version?: string): PackageRecord[] {
  return packages.filter(
    (p) => p.name === name && (version === undefined || p.version === version || p.version.startsWith(`${version}.`)),
  );
}
