import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageList, shipsPackage, spackLockDigest, type Provenance } from '../../generator/provenance/package-list.js';
import { parseSpackLock } from '../../generator/spack/lock.js';
import { REPO_ROOT } from '../support/project.js';

const fixture = (env: string, file: string) => readFileSync(path.join(REPO_ROOT, 'fixtures/spack', env, file), 'utf8');

describe('package lists from spack.lock', () => {
  it.each(['small', 'medium', 'mpi'])('formats variants exactly as Spack does in its %s build jobs', (env) => {
    const lock = parseSpackLock('spack.lock', fixture(env, 'spack.lock'));
    const pipeline = parse(fixture(env, 'pipeline.yml')) as Record<string, { variables?: Record<string, string> }>;
    const jobs = Object.values(pipeline).filter((job) => job.variables?.SPACK_JOB_SPEC_DAG_HASH);
    expect(jobs.length).toBeGreaterThan(10);
    for (const job of jobs) {
      const spec = lock.specs.get(job.variables!.SPACK_JOB_SPEC_DAG_HASH!)!;
      expect([spec.name, spec.variants]).toEqual([spec.name, job.variables!.SPACK_JOB_SPEC_VARIANTS]);
      expect(spec.version).toBe(String(job.variables!.SPACK_JOB_SPEC_PKG_VERSION));
    }
  });

  it('answers which containers ship a package at a version', () => {
    const text = fixture('medium', 'spack.lock');
    const provenance: Provenance = {
      container: 'numpy',
      arch: 'amd64',
      version: '1.26.1',
      spackLockDigest: spackLockDigest(text),
      packages: packageList(parseSpackLock('spack.lock', text)),
    };
    expect(provenance.packages).toHaveLength(38);
    expect(shipsPackage(provenance.packages, 'py-numpy', '1.26').map((p) => p.version)).toEqual(['1.26.1']);
    expect(shipsPackage(provenance.packages, 'py-numpy', '1.2')).toEqual([]);
    expect(shipsPackage(provenance.packages, 'python').map((p) => p.hash)).toHaveLength(1);
    expect(provenance.spackLockDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('the spack.lock digest', () => {
  it('is the same for the same concretization written in another order, as Spack 0.21 does from run to run', () => {
    const spec = (name: string) => ({ name, version: '1.0', hash: `${name}hash` });
    const first = {
      _meta: { 'lockfile-version': 5 },
      roots: [
        { hash: 'xzhash', spec: 'xz' },
        { hash: 'bzip2hash', spec: 'bzip2' },
      ],
      concrete_specs: { xzhash: spec('xz'), bzip2hash: spec('bzip2') },
    };
    const again = {
      concrete_specs: { bzip2hash: spec('bzip2'), xzhash: spec('xz') },
      roots: [
        { spec: 'bzip2', hash: 'bzip2hash' },
        { spec: 'xz', hash: 'xzhash' },
      ],
      _meta: { 'lockfile-version': 5 },
    };
    expect(spackLockDigest(JSON.stringify(again, null, 2))).toBe(spackLockDigest(JSON.stringify(first)));
    const other = { ...first, concrete_specs: { ...first.concrete_specs, xzhash: { ...spec('xz'), version: '1.1' } } };
    expect(spackLockDigest(JSON.stringify(other))).not.toBe(spackLockDigest(JSON.stringify(first)));
  });
});
