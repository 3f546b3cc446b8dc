import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildCacheEntry } from '../../generator/cache/entry.js';
import { decideCleanup } from '../../generator/cache/janitor.js';
import { V2_INDEX, V2_INDEX_HASH } from '../../generator/cache/layout-v2.js';
import { renderManifest } from '../../generator/cache/layout-v3.js';
import { dependencyHashes, indexOf, parseSpackIndex, renderSpackIndex, sha256Hex } from '../../generator/cache/spack-index.js';
import { keepSetOf } from '../../generator/cache/spack-lock.js';
import { loadSpackLocks } from '../../generator/app/spack-files.js';
import { parseSpackLock } from '../../generator/spack/lock.js';
import { SpacktainersError } from '../../generator/errors.js';
import { FIXTURES } from '../support/buildcache.js';

const NOW = new Date('2025-06-01T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

async function fixtureIndex(cache: 'small' | 'medium') {
  const text = await readFile(path.join(FIXTURES, 'buildcache-v2', cache, V2_INDEX), 'utf8');
  return { text, index: parseSpackIndex(text, V2_INDEX) };
}

/** Entries of the real medium cache, all `age` days old except the names in `young` (1 day). */
async function mediumEntries(age: number, young: string[] = []): Promise<BuildCacheEntry[]> {
  const { index } = await fixtureIndex('medium');
  return [...index.installs.values()].map(({ spec }) => ({
    layout: 'v2',
    hash: spec.hash,
    name: spec.name,
    version: spec.version,
    pushedAt: daysAgo(young.includes(spec.name) ? 1 : age),
    objects: [],
    size: 0,
    dependencies: dependencyHashes(spec),
  }));
}

async function smallLockKeepSet() {
  return keepSetOf(await loadSpackLocks([path.join(FIXTURES, 'small', 'spack.lock')]));
}

describe('keep set from spack.lock', () => {
  it('holds every hash of the lock and its dependencies', async () => {
    const keep = await smallLockKeepSet();
    const lock = JSON.parse(await readFile(path.join(FIXTURES, 'small', 'spack.lock'), 'utf8'));
    expect(keep).toEqual(new Set(Object.keys(lock.concrete_specs)));
    expect(keep.size).toBe(16);
  });

  it('finds locks below a directory and refuses a directory without any', async () => {
    const locks = await loadSpackLocks([FIXTURES]);
    expect(locks.map((lock) => path.relative(FIXTURES, lock.file))).toEqual(['medium/spack.lock', 'mpi/spack.lock', 'small/spack.lock']);
    await expect(loadSpackLocks([path.join(FIXTURES, 'buildcache-v2')])).rejects.toThrow(/no spack.lock below/);
  });

  it('names the file of something that is not a lock', () => {
    expect(() => parseSpackLock('x/spack.lock', '{"database": {}}')).toThrow(expect.objectContaining({ kind: 'input' }));
    expect(() => parseSpackLock('x/spack.lock', '{"database": {}}')).toThrow(SpacktainersError);
    expect(() => parseSpackLock('x/spack.lock', '{"database": {}}')).toThrow(/x\/spack.lock: _meta.file-type: not a Spack lock file/);
  });
});

describe('decideCleanup', () => {
  it('deletes old unused entries and cascades to their dependents, whatever their age', async () => {
    const entries = await mediumEntries(100, ['libxml2', 'tar', 'gettext']);
    const decision = decideCleanup(entries, await smallLockKeepSet(), { maxAgeDays: 90, now: NOW });
    const byName = Object.fromEntries(decision.deletions.map((d) => [d.entry.name, d.reason]));
    expect(Object.keys(byName).sort()).toEqual(['expat', 'gettext', 'libbsd', 'libffi', 'libmd', 'libxml2', 'pigz', 'tar', 'xz', 'zstd']);
    expect(byName.xz).toEqual({ kind: 'unused', ageDays: 100 });
    expect(byName.libxml2).toMatchObject({ kind: 'dependency', dependsOn: { name: 'xz' } });
    expect(['libxml2', 'tar', 'xz']).toContain((byName.gettext as { dependsOn: { name: string } }).dependsOn.name);
    expect(decision.protectedCount).toBe(9);
  });

  it('never touches the keep set, even when its entries are old', async () => {
    const entries = await mediumEntries(1000);
    const keep = await smallLockKeepSet();
    const decision = decideCleanup(entries, keep, { maxAgeDays: 1, now: NOW });
    expect(decision.deletions.some((d) => keep.has(d.entry.hash))).toBe(false);
    expect(decision.deletions).toHaveLength(10);
  });

  it('protects what a kept entry depends on in the cache even if the lock omits it', async () => {
    const entries = await mediumEntries(100);
    const gettext = entries.find((e) => e.name === 'gettext')!;
    const decision = decideCleanup(entries, new Set([gettext.hash]), { maxAgeDays: 90, now: NOW });
    const deleted = new Set(decision.deletions.map((d) => d.entry.name));
    for (const name of ['gettext', 'tar', 'xz', 'libxml2', 'zstd', 'pigz', 'gmake']) expect(deleted.has(name)).toBe(false);
    expect([...deleted].sort()).toEqual(['expat', 'gdbm', 'libbsd', 'libffi', 'libmd', 'readline']);
  });

  it('keeps entries younger than the age even when unused', async () => {
    const decision = decideCleanup(await mediumEntries(30), new Set(), { maxAgeDays: 90, now: NOW });
    expect(decision.deletions).toEqual([]);
  });
});

describe('index rewrite', () => {
  it('reproduces the fixture index and hash byte for byte when nothing goes', async () => {
    for (const cache of ['small', 'medium'] as const) {
      const { text, index } = await fixtureIndex(cache);
      const present = new Map([...index.installs].map(([hash, record]) => [hash, record.spec]));
      const rewritten = renderSpackIndex(indexOf(index.version, present, index));
      expect(rewritten).toBe(text);
      const hash = await readFile(path.join(FIXTURES, 'buildcache-v2', cache, V2_INDEX_HASH), 'utf8');
      expect(sha256Hex(rewritten)).toBe(hash.trim());
    }
  });

  it('drops deleted records and recounts ref_count like Spack', async () => {
    const { index } = await fixtureIndex('medium');
    const present = new Map([...index.installs].filter(([, r]) => r.spec.name !== 'gettext').map(([h, r]) => [h, r.spec]));
    const pruned = indexOf(index.version, present, index);
    expect(pruned.installs.size).toBe(18);
    const count = (name: string) => [...pruned.installs.values()].find((r) => r.spec.name === name)!.ref_count;
    const before = (name: string) => [...index.installs.values()].find((r) => r.spec.name === name)!.ref_count;
    expect(count('tar')).toBe(before('tar') - 1);
    expect(count('gmake')).toBe(before('gmake') - 1);
  });

  it('keeps a record of a dependency stored elsewhere as in_buildcache false', async () => {
    const { index } = await fixtureIndex('medium');
    const present = new Map([...index.installs].filter(([, r]) => r.spec.name !== 'xz').map(([h, r]) => [h, r.spec]));
    const xz = [...indexOf(index.version, present, index).installs.values()].find((r) => r.spec.name === 'xz')!;
    expect(xz.in_buildcache).toBe(false);
    expect(xz.ref_count).toBe(3);
  });

  it('writes manifests the way Python json.dump(indent=0) does', () => {
    const text = renderManifest({
      version: 3,
      data: [{ contentLength: 1, mediaType: 'm', compression: 'none', checksumAlgorithm: 'sha256', checksum: 'ab' }],
    });
    expect(text).toBe(
      '{\n"version":3,\n"data":[\n{\n"contentLength":1,\n"mediaType":"m",\n"compression":"none",\n"checksumAlgorithm":"sha256",\n"checksum":"ab"\n}\n]\n}',
    );
  });
});
