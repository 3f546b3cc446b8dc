import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanCache } from '../../generator/cache/clean.js';
import { S3Bucket } from '../../generator/io/s3/cache-bucket.js';
import { keepSetOf } from '../../generator/cache/spack-lock.js';
import { loadSpackLocks } from '../../generator/app/spack-files.js';
import { buildCli } from '../../generator/cli/main.js';
import { bucketContents, expireLeases, FIXTURES, upload, v2FixtureObjects, v3FixtureObjects } from '../support/buildcache.js';
import { startFaultProxy, type Fault, type RequestInfo } from '../support/fault-proxy.js';
import { startS3, testS3Client, TEST_CREDENTIALS, type TestS3 } from '../support/s3.js';
import { ignoreProgress } from '../support/progress.js';

const SMALL_LOCK = path.join(FIXTURES, 'small', 'spack.lock');
let s3: TestS3;
let keep: Set<string>;
let bucketName: string;
let counter = 0;

beforeAll(async () => {
  s3 = await startS3();
  keep = keepSetOf(await loadSpackLocks([SMALL_LOCK]));
});
afterAll(() => s3.stop());
beforeEach(async () => {
  bucketName = `faults-${++counter}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
  const objects = [...(await v2FixtureObjects('medium')), ...(await v3FixtureObjects('medium'))];
  await upload(s3.client, bucketName, objects);
  for (const { key } of objects) await s3.age(bucketName, key, 100);
});

async function runThrough(decide: (request: RequestInfo) => Fault) {
  const proxy = await startFaultProxy(s3.endpoint, decide);
  const client = testS3Client(proxy.endpoint);
  try {
    return await cleanCache(new S3Bucket(client, bucketName, ignoreProgress, { attempts: 6, baseDelayMs: 1 }), {
      prefixes: [''],
      keep,
      maxAgeDays: 90,
      now: new Date(),
      dryRun: false,
      maxDeleteFraction: 1,
      force: false,
      graceHours: 0,
    });
  } finally {
    client.destroy();
    await proxy.stop();
  }
}

/** The bucket after a fault-free run on the same seed: what every faulty run must converge to. */
async function expectedFinalState() {
  const name = bucketName;
  bucketName = `${name}-reference`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
  const objects = [...(await v2FixtureObjects('medium')), ...(await v3FixtureObjects('medium'))];
  await upload(s3.client, bucketName, objects);
  for (const { key } of objects) await s3.age(bucketName, key, 100);
  await runThrough(() => 'pass');
  const contents = await bucketContents(s3.client, bucketName);
  bucketName = name;
  return contents;
}

async function expectKeptEntriesIntact(before: Map<string, string>) {
  const after = await bucketContents(s3.client, bucketName);
  const kept = [...keep].map((hash) => hash);
  let keptObjects = 0;
  for (const [key, digest] of before) {
    if (!kept.some((hash) => key.includes(hash))) continue;
    keptObjects++;
    expect(after.get(key)).toBe(digest);
  }
  expect(keptObjects).toBe(9 * 2 + 9); // v2 spec file + tarball, v3 manifest (blobs are by checksum)
}

describe('clean-cache under S3 faults', () => {
  it('retries throttling (503 SlowDown) and 500s with backoff and ends like a fault-free run', async () => {
    const before = await bucketContents(s3.client, bucketName);
    const faults: Fault[] = ['slow-down', 'internal-error', 'cut-body'];
    const report = await runThrough(({ count }) => (count % 3 === 0 ? faults[(count / 3) % 3]! : 'pass'));
    expect(report.outcome).toBe('deleted');
    await expectKeptEntriesIntact(before);
    expect(await bucketContents(s3.client, bucketName)).toEqual(await expectedFinalState());
  });

  it('never deletes on a listing cut short: it gives up and the bucket is untouched', async () => {
    const before = await bucketContents(s3.client, bucketName);
    await expect(runThrough(({ method, url }) => (method === 'GET' && url.includes('list-type=2') ? 'cut-body' : 'pass'))).rejects.toThrow();
    expect(await bucketContents(s3.client, bucketName)).toEqual(before);
  });

  it('converges when a run dies between rewriting the index and deleting', async () => {
    const before = await bucketContents(s3.client, bucketName);
    // DeleteObjects is POST /<bucket>?delete; a 403 is not retried, so the run stops there.
    await expect(runThrough(({ method }) => (method === 'POST' ? 'access-denied' : 'pass'))).rejects.toThrow(/Access Denied|AccessDenied/);
    await expireLeases(s3, bucketName);
    const rerun = await runThrough(() => 'pass');
    // The v2 index was rewritten, then the run stopped: v2 entries are unindexed, v3 untouched.
    expect(rerun.mirrors.map((m) => m.unindexed)).toEqual([10, 0]);
    expect(rerun.deletions).toHaveLength(20);
    await expectKeptEntriesIntact(before);
    expect(await bucketContents(s3.client, bucketName)).toEqual(await expectedFinalState());
  });

  it('converges when a run dies after deleting only some objects', async () => {
    // POSTs: v2 entries, the replaced v3 index blob, then the v3 entries (refused).
    let posts = 0;
    await expect(runThrough(({ method }) => (method === 'POST' && ++posts > 2 ? 'access-denied' : 'pass'))).rejects.toThrow();
    await expireLeases(s3, bucketName);
    const rerun = await runThrough(() => 'pass');
    expect(rerun.outcome).toBe('deleted');
    expect(await bucketContents(s3.client, bucketName)).toEqual(await expectedFinalState());
  });
});

/** `clean-cache` on the test bucket, keeping the small fixture's environment, in one pass. */
function cleanCacheArgs(): string[] {
  return ['clean-cache', '--bucket', bucketName, '--endpoint', s3.endpoint, '--env', SMALL_LOCK, '--max-age-days', '90', '--grace-hours', '0'];
}

describe('spacktainers clean-cache command', () => {
  it('dry run prints and reports what would go, without printing credentials', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'clean-cache-'));
    const reportFile = path.join(directory, 'report.json');
    let stdout = '';
    let stderr = '';
    const context = {
      stdin: process.stdin,
      stdout: { write: (text: string) => ((stdout += text), true) },
      stderr: { write: (text: string) => ((stderr += text), true) },
      env: process.env,
      colorDepth: 1,
    } as never;
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    const before = await bucketContents(s3.client, bucketName);
    const code = await buildCli().run([...cleanCacheArgs(), '--dry-run', '--report', reportFile], context);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('v2 (root): 19 entries, 9 in use, 0 not in the index, 10 to delete, 0 marked');
    expect(stdout).toMatch(/would delete v3 xz@5\.4\.1\/2h7b4pg: 100 days old \(> 90\) and in no current environment/);
    expect(stdout).toContain('dry run: nothing was changed');
    expect(stdout + stderr).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    const report = JSON.parse(await readFile(reportFile, 'utf8'));
    expect(report).toMatchObject({ dryRun: true, outcome: 'dry run', entries: 38 });
    expect(report.deletions).toHaveLength(20);
    expect(await bucketContents(s3.client, bucketName)).toEqual(before);

    const refused = await buildCli().run([...cleanCacheArgs(), '--max-delete-fraction', '0.25'], context);
    expect(refused).toBe(2);
    expect(stderr).toMatch(/refused: 20 of 38 entries is more than --max-delete-fraction 0.25/);
    await rm(directory, { recursive: true, force: true });
  });
});
