/**
 * S3 requests of a janitor run under concurrent pushes: the real medium v2 cache of Spack 0.21.2
 * (19 entries, 10 of them old and unused), marked by a first run, then cleaned 25 hours later in
 * batches of 3 while a build pushes a new entry at every step of the run, each depending on an
 * entry still there. Prints the requests by operation, of the marking run and the cleaning run.
 *
 *   npm run build && node --openssl-legacy-provider dist/bench/janitor-concurrency.js
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { progressOnStderr } from '../test/support/progress.js';
import { startS3 } from '../test/support/s3.js';
import type { Bucket } from '../generator/cache/bucket.js';
import { cleanCache } from '../generator/cache/clean.js';
import { surveyV2, V2_ROOT, v2TarballKey } from '../generator/cache/layout-v2.js';
import { S3Bucket } from '../generator/io/s3/cache-bucket.js';
import { keepSetOf } from '../generator/cache/spack-lock.js';
import { loadSpackLocks } from '../generator/app/spack-files.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/spack');
const BUCKET = 'bench-janitor';
const HOUR = 3_600_000;

/** Counts what the janitor asks of the bucket, by operation. */
class CountingBucket implements Bucket {
  counts = { list: 0, get: 0, put: 0, delete: 0 };
  constructor(private readonly inner: S3Bucket) {}
  get requests() {
    return this.inner.requests;
  }
  list(prefix: string, options?: { delimiter?: string }) {
    this.counts.list++;
    return this.inner.list(prefix, options);
  }
  get(key: string) {
    this.counts.get++;
    return this.inner.get(key);
  }
  put(key: string, body: Uint8Array, contentType: string) {
    this.counts.put++;
    return this.inner.put(key, body, contentType);
  }
  delete(keys: string[]) {
    if (keys.length > 0) this.counts.delete++;
    return this.inner.delete(keys);
  }
}

const s3 = await startS3();
const { client } = s3;
try {
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const root = path.join(FIXTURES, 'buildcache-v2', 'medium');
  for (const file of (await readdir(root, { recursive: true, withFileTypes: true })).filter((f) => f.isFile())) {
    const full = path.join(file.parentPath, file.name);
    const key = path.relative(root, full).split(path.sep).join('/');
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await readFile(full) }));
  }
  const keep = keepSetOf(await loadSpackLocks([path.join(FIXTURES, 'small', 'spack.lock')]));
  // Everything is 100 days old when the first run sees it; the second run is 25 hours later.
  const t0 = new Date(Date.now() + 100 * 24 * HOUR);
  const options = { prefixes: [''], keep, maxAgeDays: 90, dryRun: false, maxDeleteFraction: 1, force: false, graceHours: 24, batchEntries: 3 };

  const marking = new CountingBucket(new S3Bucket(client, BUCKET, progressOnStderr));
  const marked = await cleanCache(marking, { ...options, now: t0 });

  const nodes = (await surveyV2(new S3Bucket(client, BUCKET, progressOnStderr), ''))!;
  let pushes = 0;
  const cleaning = new CountingBucket(new S3Bucket(client, BUCKET, progressOnStderr));
  const cleaned = await cleanCache(cleaning, {
    ...options,
    now: new Date(t0.getTime() + 25 * HOUR),
    async onStep() {
      // A build pushes an entry depending on the entry the janitor deletes last.
      const dependency = nodes.entries.find((entry) => entry.name === 'xz')!;
      const hash = `bench${(++pushes).toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)]!)}`.padEnd(32, 'a');
      const node = { name: 'probe', version: '1.0', hash, compiler: { name: 'gcc', version: '12.2.0' }, dependencies: [{ name: 'xz', hash: dependency.hash }] };
      const basename = `linux-debian12-x86_64_v3-gcc-12.2.0-probe-1.0-${hash}`;
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: v2TarballKey('', basename, node), Body: 'tarball' }));
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${V2_ROOT}${basename}.spec.json`, Body: JSON.stringify({ spec: { nodes: [node] } }) }));
    },
  });
  const line = (name: string, bucket: CountingBucket, report: typeof cleaned) =>
    `${name}: ${report.requests} S3 requests (${Object.entries(bucket.counts)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ')}); ` +
    `${report.entries} entries, ${report.deletions.length} deleted, ${report.waiting.length} marked, ${report.spared.length} spared, ` +
    `index ${report.indexesConsistent ? 'equals' : 'differs from'} the bucket`;
  console.log('janitor requests under concurrency (medium v2 cache, batches of 3, grace 24 h)');
  console.log(line('marking run', marking, marked));
  console.log(`${line('cleaning run', cleaning, cleaned)}; ${pushes} entries pushed during it`);
} finally {
  await s3.stop();
}
