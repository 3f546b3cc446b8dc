import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bucket } from '../../generator/cache/bucket.js';
import { cleanCache, type CleanCacheOptions, type CleanCacheReport } from '../../generator/cache/clean.js';
import { V2_INDEX, V2_ROOT, surveyV2, v2TarballKey } from '../../generator/cache/layout-v2.js';
import { SpacktainersError } from '../../generator/errors.js';
import { S3Bucket } from '../../generator/io/s3/cache-bucket.js';
import { parseSpackIndex, type SpecNode } from '../../generator/cache/spack-index.js';
import { keepSetOf } from '../../generator/cache/spack-lock.js';
import { loadSpackLocks } from '../../generator/app/spack-files.js';
import { bucketContents, expireLeases, FIXTURES, getText, upload, v2FixtureObjects } from '../support/buildcache.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { ignoreProgress } from '../support/progress.js';

const HOUR = 3_600_000;
const T0 = new Date();
const LATER = new Date(T0.getTime() + 25 * HOUR);
const MUCH_LATER = new Date(T0.getTime() + 50 * HOUR);
const ARCH = 'linux-debian12-x86_64_v3-gcc-12.2.0';

let s3: TestS3;
let bucketName: string;
let counter = 0;
let keep: Set<string>;
let fixtureNodes: Map<string, SpecNode>;

beforeAll(async () => {
  s3 = await startS3();
  keep = keepSetOf(await loadSpackLocks([path.join(FIXTURES, 'small', 'spack.lock')]));
  const index = (await v2FixtureObjects('medium')).find((object) => object.key === V2_INDEX)!;
  fixtureNodes = new Map([...parseSpackIndex(Buffer.from(index.body).toString('utf8'), V2_INDEX).installs].map(([hash, record]) => [hash, record.spec]));
});
afterAll(() => s3.stop());
beforeEach(async () => {
  bucketName = `concurrency-${++counter}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
  const objects = await v2FixtureObjects('medium');
  await upload(s3.client, bucketName, objects);
  for (const { key } of objects) await s3.age(bucketName, key, 100, T0.getTime());
});

/**
 * Every process dies at once: from request `killAt` on, nothing reaches the bucket. Requests
 * already sent still complete, as S3 applies a received PUT whole; `settled` waits for them, since
 * s3rver serves an object being written half-written.
 */
class KillableBucket implements Bucket {
  private sent = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  constructor(
    private readonly inner: S3Bucket,
    private readonly killAt = Infinity,
  ) {}
  get requests() {
    return this.inner.requests;
  }
  private send<T>(request: () => Promise<T>): Promise<T> {
    if (++this.sent >= this.killAt) return Promise.reject(new Error('killed'));
    const sent = request();
    const tracked = sent.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return sent;
  }
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
  list(prefix: string, options?: { delimiter?: string }) {
    return this.send(() => this.inner.list(prefix, options));
  }
  get(key: string) {
    return this.send(() => this.inner.get(key));
  }
  put(key: string, body: Uint8Array, contentType: string) {
    return this.send(() => this.inner.put(key, body, contentType));
  }
  delete(keys: string[]) {
    return this.send(() => this.inner.delete(keys));
  }
}

async function janitor(overrides: Partial<CleanCacheOptions> = {}, killAt?: number): Promise<CleanCacheReport> {
  const bucket = new KillableBucket(new S3Bucket(s3.client, bucketName, ignoreProgress, { attempts: 3, baseDelayMs: 1 }), killAt);
  try {
    return await cleanCache(bucket, {
      prefixes: [''],
      keep,
      maxAgeDays: 90,
      now: LATER,
      dryRun: false,
      maxDeleteFraction: 1,
      force: false,
      graceHours: 24,
      batchEntries: 3,
      lease: { ttlMs: 60_000, attempts: 6, retryDelayMs: 50 },
      ...overrides,
    });
  } finally {
    await bucket.settled();
  }
}

let probes = 0;
/** A build pushes a new entry (spec file and tarball, not indexed) depending on `dependency`. */
async function push(dependency: SpecNode): Promise<SpecNode> {
  const hash = `probe${(++probes).toString(26).replace(/[0-9]/g, (digit) => 'qrstuvwxyz'[Number(digit)]!)}`.padEnd(32, 'a');
  const node: SpecNode = {
    name: 'probe',
    version: '1.0',
    hash,
    compiler: { name: 'gcc', version: '12.2.0' },
    dependencies: [{ name: dependency.name, hash: dependency.hash }],
  };
  const basename = `${ARCH}-probe-1.0-${hash}`;
  const put = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: body }));
  await put(v2TarballKey('', basename, node), 'tarball');
  await put(`${V2_ROOT}${basename}.spec.json`, JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [node] } }));
  return node;
}

/** The cache as a build sees it: entries by their spec files, and what the index lists. */
async function cacheState() {
  const survey = (await surveyV2(new S3Bucket(s3.client, bucketName, ignoreProgress), ''))!;
  const contents = await bucketContents(s3.client, bucketName);
  const index = parseSpackIndex(await getText(s3.client, bucketName, V2_INDEX), V2_INDEX);
  const present = new Map(survey.entries.map((entry) => [entry.hash, entry]));
  const indexed = [...index.installs].filter(([, record]) => record.in_buildcache).map(([hash]) => hash);
  return { survey, contents, present, indexed };
}

/** What a run stopped at any request leaves: no live entry lost, every indexed entry there and whole. */
async function expectWholeOrUnindexed(live: string[]) {
  const state = await cacheState();
  const { survey, contents, present, indexed } = state;
  for (const hash of [...[...keep].filter((hash) => fixtureNodes.has(hash)), ...live]) expect(present.has(hash), `live entry ${hash} kept`).toBe(true);
  expect(
    indexed.filter((hash) => !present.has(hash)),
    'indexed entries without their spec file',
  ).toEqual([]);
  const indexedEntries = survey.entries.filter((entry) => indexed.includes(entry.hash));
  for (const [hash, payload] of await survey.payloadOf(indexedEntries)) for (const key of payload) expect(contents.has(key), `${hash}: ${key}`).toBe(true);
  return state;
}

/** No live entry lost, nothing dangling, every entry whole, and the index equals the bucket. */
async function expectSound(live: string[]) {
  const { survey, present, indexed } = await expectWholeOrUnindexed(live);
  const cacheHashes = new Set([...fixtureNodes.keys(), ...present.keys()]);
  for (const entry of survey.entries) {
    for (const dependency of entry.dependencies) if (cacheHashes.has(dependency)) expect(present.has(dependency), `${entry.name} -> ${dependency}`).toBe(true);
  }
  // With every entry indexed, every entry is whole.
  expect(new Set(indexed)).toEqual(new Set(present.keys()));
}

const nodeNamed = (name: string) => [...fixtureNodes.values()].find((node) => node.name === name)!;
const GONE = 10;

describe('clean-cache under concurrency', () => {
  it('marks first and deletes only after the grace period; --grace-hours 0 deletes in one pass', async () => {
    const marked = await janitor({ now: T0 });
    expect(marked).toMatchObject({ outcome: 'marked', deletions: [] });
    expect(marked.waiting).toHaveLength(GONE);
    expect((await janitor({ now: new Date(T0.getTime() + 23 * HOUR) })).deletions).toEqual([]);
    const deleted = await janitor();
    expect(deleted.deletions).toHaveLength(GONE);
    await expectSound([]);
    bucketName = `${bucketName}-one-pass`;
    await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
    await upload(s3.client, bucketName, await v2FixtureObjects('medium'));
    for (const { key } of await v2FixtureObjects('medium')) await s3.age(bucketName, key, 100, T0.getTime());
    expect((await janitor({ now: T0, graceHours: 0 })).deletions).toHaveLength(GONE);
    await expectSound([]);
  });

  it('keeps a marked entry that a build running across the mark pushed a dependent of', async () => {
    await janitor({ now: T0 });
    const probe = await push(nodeNamed('xz'));
    const report = await janitor();
    expect(report.deletions.map((d) => d.spec)).not.toContainEqual(expect.stringMatching(/^xz@/));
    await expectSound([probe.hash, nodeNamed('xz').hash]);
  });

  it('spares what a build pushes a dependent of, before, between and after the batches and during the index write', async () => {
    const steps: string[] = [];
    const reference = bucketName;
    await janitor({ now: T0 });
    const full = await janitor({ onStep: (step) => void steps.push(step) });
    expect(steps.filter((step) => step.endsWith('deleted'))).toHaveLength(4);
    // The dependency deleted last (dependents go first): still there until the last batch.
    const lastDependency = fixtureNodes.get(full.deletions.at(-1)!.hash)!;
    for (const [at, where] of steps.map((step, i) => [i, step] as const)) {
      bucketName = `${reference}-${at}`;
      await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
      const objects = await v2FixtureObjects('medium');
      await upload(s3.client, bucketName, objects);
      for (const { key } of objects) await s3.age(bucketName, key, 100, T0.getTime());
      await janitor({ now: T0 });
      let probe: SpecNode | undefined;
      const beforeLastBatch = steps.indexOf('v2 (root) batch 4: checked') > at;
      await janitor({
        onStep: async (step) => {
          if (step !== where || probe) return;
          // Before the last batch a build uses the last dependency; later, a kept entry.
          probe = await push(beforeLastBatch ? lastDependency : nodeNamed('zlib-ng'));
        },
      });
      expect(probe, where).toBeDefined();
      await expectSound([probe!.hash, ...(beforeLastBatch ? [lastDependency.hash] : [])]);
    }
  });

  it('deletes, at the next run, a dependent pushed after its dependency went (nothing dangling is left)', async () => {
    await janitor({ now: T0 });
    let probe: SpecNode | undefined;
    await janitor({
      onStep: async (step) => {
        if (step === 'v2 (root) batch 4: deleted' && !probe) probe = await push(nodeNamed('xz'));
      },
    });
    const next = await janitor({ now: MUCH_LATER });
    expect(next.deletions.map((d) => [d.hash, d.reason])).toEqual([[probe!.hash, 'dependency']]);
    await expectSound([]);
  });

  it('repairs an index that an update-index running across the deletes wrote', async () => {
    await janitor({ now: T0 });
    const stale = await (await surveyV2(new S3Bucket(s3.client, bucketName, ignoreProgress), ''))!.rewriteIndex(new Set());
    await janitor();
    for (const write of stale.writes) await s3.client.send(new PutObjectCommand({ Bucket: bucketName, Key: write.key, Body: write.body }));
    expect((await cacheState()).indexed.length).toBeGreaterThan((await cacheState()).present.size);
    const repair = await janitor({ now: MUCH_LATER });
    expect(repair.outcome).toBe('nothing to delete');
    await expectSound([]);
  });

  it('converges after being killed at any request, the lease lost to expiry', async () => {
    const reference = bucketName;
    await janitor({ now: T0 });
    const full = await janitor();
    const total = full.requests;
    for (let killAt = 1; killAt <= total; killAt += 3) {
      bucketName = `${reference}-kill-${killAt}`;
      await s3.client.send(new CreateBucketCommand({ Bucket: bucketName }));
      const objects = await v2FixtureObjects('medium');
      await upload(s3.client, bucketName, objects);
      for (const { key } of objects) await s3.age(bucketName, key, 100, T0.getTime());
      await janitor({ now: T0 });
      await expect(janitor({}, killAt)).rejects.toThrow('killed');
      await expectWholeOrUnindexed([]);
      await expireLeases(s3, bucketName);
      const rerun = await janitor();
      expect(rerun.deletions.length, `killed at request ${killAt}`).toBeLessThanOrEqual(GONE);
      await expectSound([]);
      expect((await cacheState()).present.size, `killed at request ${killAt}: ${JSON.stringify(rerun.waiting.map((w) => w.spec))}`).toBe(19 - GONE);
    }
  });

  it('never lets two janitors interleave; one holds the lease, the other waits or gives up', async () => {
    await janitor({ now: T0 });
    const log: string[] = [];
    const results = await Promise.allSettled(
      ['a', 'b'].map((id) => janitor({ onStep: () => void log.push(id), lease: { ttlMs: 60_000, attempts: 1, retryDelayMs: 0 } })),
    );
    const failed = results.filter((result) => result.status === 'rejected');
    for (const result of failed) {
      expect(result.reason).toBeInstanceOf(SpacktainersError);
      expect((result.reason as SpacktainersError).message).toMatch(/: another janitor holds the lease \(/);
    }
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(log.join('')).toMatch(/^(a*b*|b*a*)$/);
    const rerun = await janitor();
    expect(rerun.deletions.length + results.filter((r) => r.status === 'fulfilled').reduce((sum, r) => sum + r.value.deletions.length, 0)).toBe(GONE);
    await expectSound([]);
  });
});
