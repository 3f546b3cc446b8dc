import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { V2_INDEX, v2TarballKey } from '../../generator/cache/layout-v2.js';
import {
  blobKey,
  blobOf,
  DEFAULT_INDEX_MEDIA_TYPE,
  renderManifest,
  V3_INDEX_MANIFEST,
  V3_LAYOUT_JSON,
  V3_SPEC_MANIFESTS,
} from '../../generator/cache/layout-v3.js';
import { LEASE_FOLDER } from '../../generator/cache/lease.js';
import { parseSpackIndex, pythonJson, renderSpackIndex, sha256Hex } from '../../generator/cache/spack-index.js';

import type { TestS3 } from './s3.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/spack');
export type FixtureCache = 'small' | 'medium';

export interface CacheObject {
  key: string;
  body: Uint8Array;
}

/** The files of a real v2 cache made by Spack 0.21.2, as objects under `prefix`. */
export async function v2FixtureObjects(cache: FixtureCache, prefix = ''): Promise<CacheObject[]> {
  const root = path.join(FIXTURES, 'buildcache-v2', cache);
  const files = await readdir(root, { recursive: true, withFileTypes: true });
  const objects: CacheObject[] = [];
  for (const file of files.filter((f) => f.isFile())) {
    const full = path.join(file.parentPath, file.name);
    objects.push({ key: prefix + path.relative(root, full).split(path.sep).join('/'), body: await readFile(full) });
  }
  return objects.sort((a, b) => a.key.localeCompare(b.key));
}

/** Spack 1.x media types (url_buildcache.py; spec file format 5, install tarball v2, Database 8). */
const TARBALL_MEDIA_TYPE = 'application/vnd.spack.install.v2.tar+gzip';
const SPEC_MEDIA_TYPE = 'application/vnd.spack.spec.v5+json';

/**
 * The v3 cache `spack buildcache migrate --unsigned` makes of a real v2 fixture cache, step by step
 * as buildcache_migrate.py does it: per spec, drop binary_cache_checksum from the spec file, set
 * buildcache_layout_version 2 and archive_size, gzip it as a spec blob, store the .spack tarball
 * as a blob under its recorded sha256, and write the manifest; then push the index (as Database
 * blob + index manifest) and layout.json.
 */
export async function v3FixtureObjects(cache: FixtureCache, prefix = ''): Promise<CacheObject[]> {
  const v2 = new Map((await v2FixtureObjects(cache)).map((object) => [object.key, object.body]));
  const index = parseSpackIndex(Buffer.from(v2.get(V2_INDEX)!).toString('utf8'), V2_INDEX);
  const objects: CacheObject[] = [];
  for (const [key, body] of v2) {
    const match = /^build_cache\/([^/]+)\.spec\.json$/.exec(key);
    if (!match) continue;
    const specFile = JSON.parse(Buffer.from(body).toString('utf8'));
    const { binary_cache_checksum: checksum, ...specDict } = specFile;
    const node = specDict.spec.nodes[0];
    const tarball = v2.get(v2TarballKey('', match[1]!, node))!;
    if (sha256Hex(tarball) !== checksum.hash) throw new Error(`${key}: tarball checksum mismatch`);
    specDict.buildcache_layout_version = 2;
    specDict.archive_size = tarball.length;
    const spec = blobOf(Buffer.from(pythonJson(specDict)), SPEC_MEDIA_TYPE, 'gzip');
    const tarballRecord = {
      contentLength: tarball.length,
      mediaType: TARBALL_MEDIA_TYPE,
      compression: 'gzip' as const,
      checksumAlgorithm: checksum.hash_algorithm,
      checksum: checksum.hash,
    };
    objects.push({ key: blobKey(prefix, tarballRecord), body: tarball });
    objects.push({ key: blobKey(prefix, spec.record), body: spec.body });
    const manifest = renderManifest({ version: 3, data: [tarballRecord, spec.record] });
    const manifestKey = `${prefix}${V3_SPEC_MANIFESTS}${node.name}/${node.name}-${node.version}-${node.hash}.spec.manifest.json`;
    objects.push({ key: manifestKey, body: Buffer.from(manifest) });
  }
  const database = blobOf(Buffer.from(renderSpackIndex({ version: '8', installs: index.installs })), DEFAULT_INDEX_MEDIA_TYPE, 'none');
  objects.push({ key: blobKey(prefix, database.record), body: database.body });
  objects.push({ key: `${prefix}${V3_INDEX_MANIFEST}`, body: Buffer.from(renderManifest({ version: 3, data: [database.record] })) });
  objects.push({ key: `${prefix}${V3_LAYOUT_JSON}`, body: Buffer.from('{"signing": "gpg"}') });
  return objects.sort((a, b) => a.key.localeCompare(b.key));
}

export async function upload(client: S3Client, bucket: string, objects: CacheObject[]): Promise<void> {
  for (const { key, body } of objects) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Every key in the bucket with its bytes. */
export async function bucketContents(client: S3Client, bucket: string): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      contents.set(object.Key!, sha256Hex(await response.Body!.transformToByteArray()));
    }
    token = page.NextContinuationToken;
  } while (token);
  return contents;
}

/** Make every janitor lease in the bucket look expired, as after a janitor died long ago. */
export async function expireLeases(s3: TestS3, bucket: string): Promise<void> {
  const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const object of page.Contents ?? []) if (object.Key!.includes(LEASE_FOLDER)) await s3.age(bucket, object.Key!, 1);
}

export async function getText(client: S3Client, bucket: string, key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return response.Body!.transformToString();
}
