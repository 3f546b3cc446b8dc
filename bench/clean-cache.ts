/**
 * Benchmark of `clean-cache` on a synthetic build cache of 10,000 entries shaped like the real
 * medium fixture (Spack 0.21.2): the fixture's 19-spec DAG repeated with fresh hashes, each copy
 * with its own spec files, tarball and index records. s3rver on loopback serves it; the objects are
 * written straight into s3rver's folder so that seeding takes seconds, not minutes.
 *
 *   npm run build && node --openssl-legacy-provider dist/bench/clean-cache.js [entries]
 *
 * (s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only has
 * in its legacy provider; without the flag every listing past 1000 keys fails with a 500.)
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { progressOnStderr } from '../test/support/progress.js';
import { startS3 } from '../test/support/s3.js';
import { cleanCache } from '../generator/cache/clean.js';
import { V2_INDEX, V2_INDEX_HASH, v2TarballKey } from '../generator/cache/layout-v2.js';
import { blobKey, blobOf, DEFAULT_INDEX_MEDIA_TYPE, renderManifest, V3_INDEX_MANIFEST, V3_SPEC_MANIFESTS } from '../generator/cache/layout-v3.js';
import { S3Bucket } from '../generator/io/s3/cache-bucket.js';
import { parseSpackIndex, pythonJson, renderSpackIndex, sha256Hex, type IndexRecord, type SpecNode } from '../generator/cache/spack-index.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/spack/buildcache-v2/medium');
const BUCKET = 'bench-cache';
const DAY = 86_400_000;

function syntheticHash(copy: number, hash: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const digest = createHash('sha256').update(`${copy}/${hash}`).digest();
  return [...digest.subarray(0, 32)].map((byte) => alphabet[byte % 32]).join('');
}

interface Synthetic {
  objects: Map<string, { body: Uint8Array; ageDays: number }>;
  keep: Set<string>;
}

/** Copies of the fixture DAG: copy c is old when c % 10 < 7, kept when c % 10 < 4. */
async function synthesize(entries: number, layout: 'v2' | 'v3'): Promise<Synthetic> {
  const index = parseSpackIndex(await readFile(path.join(FIXTURE, V2_INDEX), 'utf8'), V2_INDEX);
  const templates = [...index.installs.values()];
  const objects = new Map<string, { body: Uint8Array; ageDays: number }>();
  const keep = new Set<string>();
  const installs = new Map<string, IndexRecord>();
  for (let i = 0; i < entries; i++) {
    const copy = Math.floor(i / templates.length);
    const template = templates[i % templates.length]!;
    const node: SpecNode = {
      ...template.spec,
      hash: syntheticHash(copy, template.spec.hash),
      dependencies: template.spec.dependencies?.map((d) => ({ ...d, hash: syntheticHash(copy, d.hash) })),
    };
    installs.set(node.hash, { ...template, spec: node });
    const ageDays = copy % 10 < 7 ? 200 : 5;
    if (copy % 10 < 4) keep.add(node.hash);
    const tarball = Buffer.from(`tarball of ${node.hash}\n`.repeat(40));
    const arch = 'linux-debian12-x86_64_v3-gcc-12.2.0';
    const basename = `${arch}-${node.name}-${node.version}-${node.hash}`;
    const specFile = { spec: { _meta: { version: 4 }, nodes: [node] }, buildcache_layout_version: 1 };
    if (layout === 'v2') {
      objects.set(`${V2_ROOT_KEY}${basename}.spec.json`, { body: Buffer.from(JSON.stringify(specFile)), ageDays });
      objects.set(v2TarballKey('', basename, node), { body: tarball, ageDays });
    } else {
      const tar = blobOf(tarball, 'application/vnd.spack.install.v2.tar+gzip', 'none');
      const spec = blobOf(Buffer.from(pythonJson({ ...specFile, buildcache_layout_version: 2 })), 'application/vnd.spack.spec.v5+json', 'gzip');
      objects.set(blobKey('', tar.record), { body: tar.body, ageDays });
      objects.set(blobKey('', spec.record), { body: spec.body, ageDays });
      const manifest = renderManifest({ version: 3, data: [tar.record, spec.record] });
      objects.set(`${V3_SPEC_MANIFESTS}${node.name}/${node.name}-${node.version}-${node.hash}.spec.manifest.json`, { body: Buffer.from(manifest), ageDays });
    }
  }
  if (layout === 'v2') {
    const text = renderSpackIndex({ version: '7', installs });
    objects.set(V2_INDEX, { body: Buffer.from(text), ageDays: 0 });
    objects.set(V2_INDEX_HASH, { body: Buffer.from(sha256Hex(text)), ageDays: 0 });
  } else {
    const database = blobOf(Buffer.from(renderSpackIndex({ version: '8', installs })), DEFAULT_INDEX_MEDIA_TYPE, 'none');
    objects.set(blobKey('', database.record), { body: database.body, ageDays: 0 });
    objects.set(V3_INDEX_MANIFEST, { body: Buffer.from(renderManifest({ version: 3, data: [database.record] })), ageDays: 0 });
  }
  return { objects, keep };
}

const V2_ROOT_KEY = 'build_cache/';

async function seed(directory: string, synthetic: Synthetic, now: number): Promise<void> {
  for (const [key, { body, ageDays }] of synthetic.objects) {
    const parts = key.split('/');
    const file = path.join(directory, BUCKET, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
    await mkdir(path.dirname(file), { recursive: true });
    // s3rver removes emptied folders during DeleteObjects, and its parallel deletes race on that
    // (500 InternalError); a non-object file keeps every folder non-empty. Real S3 has no folders.
    await writeFile(path.join(path.dirname(file), '.bench'), '');
    await writeFile(file, body);
    const when = new Date(now - ageDays * DAY);
    await utimes(file, when, when);
  }
}

async function measure(entries: number, layout: 'v2' | 'v3', dryRun: boolean): Promise<string> {
  const now = Date.now();
  const synthetic = await synthesize(entries, layout);
  const s3 = await startS3({ seed: (directory) => seed(directory, synthetic, now) });
  try {
    const started = performance.now();
    const report = await cleanCache(new S3Bucket(s3.client, BUCKET, progressOnStderr), {
      prefixes: [''],
      keep: synthetic.keep,
      maxAgeDays: 90,
      now: new Date(now),
      dryRun,
      maxDeleteFraction: 1,
      force: false,
      graceHours: 0,
    });
    const seconds = (performance.now() - started) / 1000;
    const n = report.entries;
    const d = report.deletions.length;
    const budget = Math.ceil(n / 1000) + Math.ceil(report.objectsDeleted / 1000) + 10;
    return (
      `${layout} ${dryRun ? 'dry run' : 'real run'}: ${n} entries, ${d} deleted (${report.objectsDeleted} objects), ` +
      `${report.requests} S3 requests (N/1000 + objects/1000 + 10 = ${budget}), ${seconds.toFixed(2)} s`
    );
  } finally {
    await s3.stop();
  }
}

const entries = Number(process.argv[2] ?? 10_000);
for (const [layout, dryRun] of [
  ['v2', true],
  ['v2', false],
  ['v3', false],
] as const) {
  console.log(await measure(entries, layout, dryRun));
}
