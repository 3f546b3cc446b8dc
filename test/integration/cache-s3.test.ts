import { CreateBucketCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanCache, type CleanCacheOptions } from '../../generator/cache/clean.js';
import { V2_INDEX, V2_INDEX_HASH } from '../../generator/cache/layout-v2.js';
import { parseManifest, V3_INDEX_MANIFEST, blobKey } from '../../generator/cache/layout-v3.js';
import { parseSpackIndex, sha256Hex } from '../../generator/cache/spack-index.js';
import { S3Bucket } from '../../generator/io/s3/cache-bucket.js';
import { keepSetOf } from '../../generator/cache/spack-lock.js';
import { loadSpackLocks } from '../../generator/app/spack-files.js';
import { bucketContents, FIXTURES, getText, upload, v2FixtureObjects, v3FixtureObjects, type CacheObject } from '../support/buildcache.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { ignoreProgress } from '../support/progress.js';

const NOW = new Date();
const YOUNG = ['libxml2', 'tar', 'gettext'];
const GONE = ['expat', 'gettext', 'libbsd', 'libffi', 'libmd', 'libxml2', 'pigz', 'tar', 'xz', 'zstd'];

let s3: TestS3;
let bucketName: string;
let counter = 0;
let keep: Set<string>;

beforeAll(async () => {
  s3 = await startS3();
  keep = keepSetOf(await loadSpackLocks([path.join(FIXTURES, 'small', 'spack.lock')]));
});
afterAll(() => s3.stop());
beforeEach(async () => {
  bucketName = `cache-${++counter}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
});

/** Upload, then make every entry 100 days old except the YOUNG ones (1 day). */
async function seed(objects: CacheObject[]): Promise<void> {
  await upload(s3.client, bucketName, objects);
  for (const { key } of objects) {
    const young = YOUNG.some((name) => key.includes(`-${name}-`) || key.includes(`/${name}/`));
    await s3.age(bucketName, key, young ? 1 : 100, NOW.getTime());
  }
}

function options(overrides: Partial<CleanCacheOptions> = {}): CleanCacheOptions {
  return { prefixes: [''], keep, maxAgeDays: 90, now: NOW, dryRun: false, maxDeleteFraction: 0.6, force: false, graceHours: 0, ...overrides };
}

const run = (overrides: Partial<CleanCacheOptions> = {}) =>
  cleanCache(new S3Bucket(s3.client, bucketName, ignoreProgress, { attempts: 3, baseDelayMs: 1 }), options(overrides));

/**
 * Requests sent: exactly `minimum`, plus at most a few DeleteObjects retries, because s3rver answers
 * 500 when its parallel deletes race to remove the same empty folder (real S3 has no folders).
 */
function expectRequests(report: { requests: number }, minimum: number): void {
  expect(report.requests).toBeGreaterThanOrEqual(minimum);
  expect(report.requests).toBeLessThanOrEqual(minimum + 3);
}

/**
 * Requests a one-batch run adds to the plain plan-and-delete: lease put, list and release (3), the
 * marks (1), lease renewal before the batch (2), the re-survey before it (v2: listing and index, 2;
 * v3: listing, index manifest and Database blob, 3) and the survey checking the written index.
 */
const CONCURRENCY_COST = { v2: 3 + 1 + 2 + 2 + 2, v3: 3 + 1 + 2 + 3 + 3 };

const names = (report: { deletions: { spec: string }[] }) => report.deletions.map((d) => d.spec.split('@')[0]).sort();

describe('clean-cache on the real v2 cache of Spack 0.21.2', () => {
  it('deletes old unused entries and their dependents, and rewrites index.json and its hash', async () => {
    await seed(await v2FixtureObjects('medium', 'amd64/'));
    const before = await bucketContents(s3.client, bucketName);
    const report = await run({ prefixes: ['amd64'] });

    expect(report.outcome).toBe('deleted');
    expect(names(report)).toEqual(GONE);
    const tar = report.deletions.find((d) => d.spec.startsWith('tar@'))!;
    expect(tar).toMatchObject({ reason: 'dependency', ageDays: 1 });
    expect(tar.why).toMatch(/^depends on (xz|zstd|pigz)@/);
    expect(tar.objects).toEqual([
      expect.stringMatching(/^amd64\/build_cache\/linux-debian12-x86_64_v3\/gcc-12.2.0\/tar-1.34\/.*-tar-1.34-zfptezw.*\.spack$/),
      expect.stringMatching(/^amd64\/build_cache\/linux-debian12-x86_64_v3-gcc-12.2.0-tar-1.34-zfptezw.*\.spec\.json$/),
    ]);

    const after = await bucketContents(s3.client, bucketName);
    for (const deletion of report.deletions) for (const key of deletion.objects) expect(after.has(key)).toBe(false);
    expect(after.size).toBe(before.size - 20);
    for (const [key, digest] of after) if (!key.endsWith('index.json') && !key.endsWith('.hash')) expect(before.get(key)).toBe(digest);

    const index = await getText(s3.client, bucketName, `amd64/${V2_INDEX}`);
    expect(await getText(s3.client, bucketName, `amd64/${V2_INDEX_HASH}`)).toBe(sha256Hex(index));
    const records = parseSpackIndex(index, V2_INDEX).installs;
    expect(records.size).toBe(9);
    for (const hash of records.keys()) expect(keep.has(hash)).toBe(true);
    // Cost: 2 listings + 2 index reads + 2 index writes + 1 DeleteObjects, and for safety under
    // concurrency (CONCURRENCY_COST): the lease, the marks, the re-check before the batch and the
    // listing after the index write.
    expectRequests(report, 7 + CONCURRENCY_COST.v2);
    expect(report.requests).toBeLessThanOrEqual(19 / 1000 + 20 / 1000 + 20);

    const again = await run({ prefixes: ['amd64'] });
    expect(again.outcome).toBe('nothing to delete');
  });

  it('dry run: reports exactly what would go and why, and changes nothing', async () => {
    await seed(await v2FixtureObjects('medium'));
    const before = await bucketContents(s3.client, bucketName);
    const report = await run({ dryRun: true });
    expect(report.outcome).toBe('dry run');
    expect(names(report)).toEqual(GONE);
    expect(report.deletions.find((d) => d.spec.startsWith('xz@'))!.why).toBe('100 days old (> 90) and in no current environment');
    expect(await bucketContents(s3.client, bucketName)).toEqual(before);
  });

  it('refuses to delete more than --max-delete-fraction unless forced', async () => {
    await seed(await v2FixtureObjects('medium'));
    const before = await bucketContents(s3.client, bucketName);
    const refused = await run({ maxDeleteFraction: 0.5 });
    expect(refused).toMatchObject({ outcome: 'refused', capExceeded: true, objectsDeleted: 0 });
    expect(await bucketContents(s3.client, bucketName)).toEqual(before);
    const forced = await run({ maxDeleteFraction: 0.5, force: true });
    expect(forced.outcome).toBe('deleted');
    expect(names(forced)).toEqual(GONE);
  });

  it('reads the spec file of an entry pushed after the last update-index', async () => {
    const objects = await v2FixtureObjects('medium');
    const stale = await v2FixtureObjects('medium');
    const index = stale.find((o) => o.key === V2_INDEX)!;
    const parsed = JSON.parse(Buffer.from(index.body).toString());
    for (const [hash, record] of Object.entries(parsed.database.installs)) {
      if (['xz', 'libxml2'].includes((record as { spec: { name: string } }).spec.name)) delete parsed.database.installs[hash];
    }
    index.body = Buffer.from(JSON.stringify(parsed));
    await seed(objects.map((o) => (o.key === V2_INDEX ? index : o)));
    const report = await run();
    expect(report.mirrors[0]).toMatchObject({ layout: 'v2', unindexed: 2 });
    expect(names(report)).toEqual(GONE);
    expectRequests(report, 9 + CONCURRENCY_COST.v2);
  });
});

describe('clean-cache on v3 caches (Spack >= 1.0 layout, migrated from the real v2 cache)', () => {
  it('deletes manifests and their blobs, keeps shared and kept blobs, and rewrites the index manifest', async () => {
    await seed(await v3FixtureObjects('medium', 'arm64/'));
    const before = await bucketContents(s3.client, bucketName);
    const report = await run({ prefixes: ['arm64'] });
    expect(report.mirrors).toEqual([{ prefix: 'arm64/', layout: 'v3', entries: 19, protected: 9, unindexed: 0, deleting: 10, waiting: 0 }]);
    expect(names(report)).toEqual(GONE);
    for (const deletion of report.deletions) {
      expect(deletion.objects).toHaveLength(3);
      expect(deletion.objects[2]).toMatch(/^arm64\/v3\/manifests\/spec\/[^/]+\/.*\.spec\.manifest\.json$/);
    }
    const after = await bucketContents(s3.client, bucketName);
    // 10 entries x 3 objects, and the old index blob replaced by a new one.
    expect(after.size).toBe(before.size - 30);
    const manifest = parseManifest(Buffer.from(await getText(s3.client, bucketName, `arm64/${V3_INDEX_MANIFEST}`)), 'index');
    expect(manifest.data).toHaveLength(1);
    const database = await getText(s3.client, bucketName, blobKey('arm64/', manifest.data[0]!));
    expect(sha256Hex(database)).toBe(manifest.data[0]!.checksum);
    expect(manifest.data[0]!.contentLength).toBe(Buffer.byteLength(database));
    const records = parseSpackIndex(database, 'db').installs;
    expect(records.size).toBe(9);
    // Every remaining manifest's blobs are still there.
    for (const key of after.keys()) {
      if (!key.endsWith('.spec.manifest.json')) continue;
      for (const record of parseManifest(Buffer.from(await getText(s3.client, bucketName, key)), key).data) {
        expect(after.has(blobKey('arm64/', record))).toBe(true);
      }
    }
    // v3 needs each doomed manifest to find its blobs: 10 reads on top of the fixed cost.
    expectRequests(report, 2 + 3 + 10 + 2 + 2 + CONCURRENCY_COST.v3);
  });

  it('handles a mirror holding both layouts (migrated without --delete-existing)', async () => {
    await seed([...(await v2FixtureObjects('medium')), ...(await v3FixtureObjects('medium'))]);
    const report = await run({ dryRun: true });
    expect(report.mirrors.map((m) => [m.layout, m.entries, m.deleting])).toEqual([
      ['v2', 19, 10],
      ['v3', 19, 10],
    ]);
    const done = await run();
    expect(done.outcome).toBe('deleted');
    const after = await bucketContents(s3.client, bucketName);
    expect([...after.keys()].filter((k) => k.endsWith('.spec.json'))).toHaveLength(9);
    expect([...after.keys()].filter((k) => k.endsWith('.spec.manifest.json'))).toHaveLength(9);
  });
});
