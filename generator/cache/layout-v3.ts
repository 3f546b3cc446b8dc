import { gzipSync } from 'node:zlib';
import type { Bucket, ListedObject } from './bucket.js';
import type { BuildCacheEntry } from './entry.js';
import { dependencyHashes, indexOf, parseSpackIndex, renderSpackIndex, sha256Hex, type SpackIndex, type SpecNode } from './spack-index.js';
import { clearsignedJson, decodeSpecDocument, documentText, nodeOfSpecFile } from './spec-file.js';
import type { IndexWrite, LayoutSurvey, ObjectWrite } from './survey.js';
import { SpacktainersError } from '../errors.js';

/**
 * Spack >= 1.0 ("build cache layout" 3), as written by spack/lib/spack/spack/url_buildcache.py and
 * buildcache_migrate.py and described in lib/spack/docs/file_formats/buildcache.rst:
 *   v3/layout.json
 *   v3/manifests/spec/<name>/<name>-<version>-<hash>.spec.manifest.json   (maybe clearsigned)
 *   v3/manifests/index/index.manifest.json
 *   blobs/<checksumAlgorithm>/<first two characters>/<checksum>
 * A manifest is {"version": 3, "data": [blob records]}; a binary package's manifest lists its tarball
 * and its gzipped spec file, the index manifest lists one Database file per Database version.
 */
export const V3_SPEC_MANIFESTS = 'v3/manifests/spec/';
export const V3_INDEX_MANIFEST = 'v3/manifests/index/index.manifest.json';
export const V3_LAYOUT_JSON = 'v3/layout.json';

export const SPEC_MEDIA_TYPE = /^application\/vnd\.spack\.spec\.v\d+\+json$/;
const INDEX_MEDIA_TYPE = /^application\/vnd\.spack\.db\.v(\d+)\+json$/;
/** The Database version Spack 1.0 writes (spack.database._DB_VERSION) and its media type. */
export const DEFAULT_INDEX_MEDIA_TYPE = 'application/vnd.spack.db.v8+json';

const MANIFEST = /^([^/]+)\/(.+)-([a-z0-9]{32})\.spec\.manifest\.json$/;

export interface BlobRecord {
  contentLength: number;
  mediaType: string;
  compression: 'gzip' | 'none';
  checksumAlgorithm: string;
  checksum: string;
}

export interface BuildcacheManifest {
  version: number;
  data: BlobRecord[];
}

export function parseManifest(bytes: Uint8Array, source: string): BuildcacheManifest {
  const manifest = JSON.parse(clearsignedJson(Buffer.from(bytes).toString('utf8'))) as BuildcacheManifest | null;
  if (manifest?.version !== 3 || !Array.isArray(manifest.data)) throw new SpacktainersError('service', `${source}: not a version 3 build cache manifest`);
  return manifest;
}

/** Python's `json.dump(value, indent=0, separators=(",", ":"))`, the way Spack writes manifests. */
export function renderManifest(manifest: BuildcacheManifest): string {
  const render = (value: unknown): string => {
    if (Array.isArray(value)) return value.length === 0 ? '[]' : `[\n${value.map(render).join(',\n')}\n]`;
    if (value !== null && typeof value === 'object') {
      const fields = Object.entries(value).map(([key, field]) => `${JSON.stringify(key)}:${render(field)}`);
      return fields.length === 0 ? '{}' : `{\n${fields.join(',\n')}\n}`;
    }
    return JSON.stringify(value);
  };
  return render(manifest);
}

export function blobKey(prefix: string, record: BlobRecord): string {
  return `${prefix}blobs/${record.checksumAlgorithm}/${record.checksum.slice(0, 2)}/${record.checksum}`;
}

/** gzip as Python's GzipFile(mtime=0) writes it (Spack compresses spec blobs that way). */
function spackGzip(data: Uint8Array): Buffer {
  const compressed = gzipSync(data, { level: 6 });
  compressed[9] = 0xff; // OS byte: Python writes "unknown"
  return compressed;
}

/** A blob record and its bytes for `data` stored with `compression`. */
export function blobOf(data: Uint8Array, mediaType: string, compression: BlobRecord['compression']): { record: BlobRecord; body: Uint8Array } {
  const body = compression === 'gzip' ? spackGzip(data) : data;
  return {
    record: { contentLength: body.length, mediaType, compression, checksumAlgorithm: 'sha256', checksum: sha256Hex(body) },
    body,
  };
}

interface ManifestFile {
  object: ListedObject;
  name: string;
  version: string;
  hash: string;
}

function manifestFilesOf(listing: ListedObject[], prefix: string): ManifestFile[] {
  const files: ManifestFile[] = [];
  for (const object of listing) {
    const match = MANIFEST.exec(object.key.slice(prefix.length + V3_SPEC_MANIFESTS.length));
    if (!match?.[2]?.startsWith(`${match[1]}-`)) continue;
    files.push({ object, name: match[1]!, version: match[2].slice(match[1]!.length + 1), hash: match[3]! });
  }
  return files;
}

function v3Entries(files: ManifestFile[], nodes: Map<string, SpecNode>): BuildCacheEntry[] {
  return files.map((file) => ({
    layout: 'v3',
    hash: file.hash,
    name: file.name,
    version: file.version,
    pushedAt: file.object.lastModified,
    objects: [file.object.key],
    size: file.object.size,
    dependencies: dependencyHashes(nodes.get(file.hash)!),
  }));
}

interface StoredIndex {
  record: BlobRecord;
  index: SpackIndex;
}

/** Read a v3 build cache under `prefix`; undefined when there is none. `known`: as for surveyV2. */
export async function surveyV3(bucket: Bucket, prefix: string, known = new Map<string, SpecNode>()): Promise<LayoutSurvey | undefined> {
  const files = manifestFilesOf(await bucket.list(`${prefix}${V3_SPEC_MANIFESTS}`), prefix);
  const indexManifestBytes = await bucket.get(`${prefix}${V3_INDEX_MANIFEST}`);
  if (files.length === 0 && !indexManifestBytes) return undefined;

  const indexManifest = indexManifestBytes ? parseManifest(indexManifestBytes, `${prefix}${V3_INDEX_MANIFEST}`) : undefined;
  const indexes: StoredIndex[] = [];
  for (const record of indexManifest?.data ?? []) {
    if (!INDEX_MEDIA_TYPE.test(record.mediaType)) continue;
    const key = blobKey(prefix, record);
    const bytes = await bucket.get(key);
    if (!bytes) throw new SpacktainersError('service', `${key}: the index manifest lists this blob but it is missing`);
    indexes.push({ record, index: parseSpackIndex(documentText(bytes), key) });
  }
  const newest = [...indexes].sort((a, b) => databaseVersion(b.record) - databaseVersion(a.record))[0];

  const manifests = new Map<string, BuildcacheManifest>();
  const readManifest = async (key: string): Promise<BuildcacheManifest | undefined> => {
    if (!manifests.has(key)) {
      const bytes = await bucket.get(key);
      if (!bytes) return undefined;
      manifests.set(key, parseManifest(bytes, key));
    }
    return manifests.get(key);
  };

  const nodes = new Map<string, SpecNode>();
  let unindexed = 0;
  for (const file of files) {
    const record = newest?.index.installs.get(file.hash);
    if (!record?.in_buildcache) unindexed++;
    const spec = record?.spec ?? known.get(file.hash);
    if (spec) {
      nodes.set(file.hash, spec);
      continue;
    }
    // Pushed after the last update-index: only its spec blob knows its dependencies.
    const manifest = await readManifest(file.object.key);
    const specRecord = manifest?.data.find((blob) => SPEC_MEDIA_TYPE.test(blob.mediaType));
    const specBytes = specRecord && (await bucket.get(blobKey(prefix, specRecord)));
    if (!specBytes) throw new SpacktainersError('service', `${file.object.key}: listed but its manifest or spec blob is missing`);
    nodes.set(file.hash, nodeOfSpecFile(decodeSpecDocument(specBytes), file.hash, file.object.key));
  }
  for (const [hash, node] of nodes) known.set(hash, node);
  const entries = v3Entries(files, nodes);

  return {
    layout: 'v3',
    prefix,
    entries,
    unindexed,
    indexed: new Set([...(newest?.index.installs ?? [])].filter(([, record]) => record.in_buildcache).map(([hash]) => hash)),
    async payloadOf(doomed) {
      // A blob address is only known from its manifest, so each doomed manifest is read once. Blobs
      // are content addressed: a spec blob holds the spec's own hash and a tarball its prefix path,
      // so no other spec's manifest can list them; every manifest that was read is still checked.
      const doomedKeys = new Set(doomed.map((entry) => entry.objects[0]!));
      const blobs = new Map<string, string[]>();
      for (const entry of doomed) {
        const records = (await readManifest(entry.objects[0]!))?.data ?? [];
        blobs.set(
          entry.hash,
          records.map((record) => blobKey(prefix, record)),
        );
      }
      const stillUsed = new Set(indexes.map((stored) => blobKey(prefix, stored.record)));
      for (const [key, manifest] of manifests) {
        if (!doomedKeys.has(key)) for (const record of manifest.data) stillUsed.add(blobKey(prefix, record));
      }
      for (const [hash, keys] of blobs)
        blobs.set(
          hash,
          keys.filter((key) => !stillUsed.has(key)),
        );
      return blobs;
    },
    async rewriteIndex(doomed) {
      const present = new Map<string, SpecNode>();
      for (const entry of entries) if (!doomed.has(entry.hash)) present.set(entry.hash, nodes.get(entry.hash)!);
      return v3IndexWrites(prefix, indexManifest, indexes, present);
    },
  };
}

function databaseVersion(record: BlobRecord): number {
  return Number(INDEX_MEDIA_TYPE.exec(record.mediaType)?.[1] ?? 0);
}

/**
 * New Database blobs for what remains (one per Database version the manifest listed, or a v8 one),
 * then the index manifest pointing at them; other records of the manifest are kept as they were.
 */
function v3IndexWrites(prefix: string, manifest: BuildcacheManifest | undefined, indexes: StoredIndex[], present: Map<string, SpecNode>): IndexWrite {
  const stored: StoredIndex[] =
    indexes.length > 0
      ? indexes
      : [
          {
            record: { contentLength: 0, mediaType: DEFAULT_INDEX_MEDIA_TYPE, compression: 'none', checksumAlgorithm: 'sha256', checksum: '' },
            index: { version: '8', installs: new Map() },
          },
        ];
  const writes: ObjectWrite[] = [];
  const replaced = new Map<BlobRecord, BlobRecord>();
  for (const { record, index } of stored) {
    const text = renderSpackIndex(indexOf(index.version, present, index));
    const blob = blobOf(Buffer.from(text), record.mediaType, record.compression);
    writes.push({ key: blobKey(prefix, blob.record), body: blob.body, contentType: 'application/octet-stream' });
    replaced.set(record, blob.record);
  }
  const data =
    manifest && indexes.length > 0 ? manifest.data.map((record) => replaced.get(record) ?? record) : [...(manifest?.data ?? []), ...replaced.values()];
  const text = renderManifest({ version: 3, data });
  writes.push({ key: `${prefix}${V3_INDEX_MANIFEST}`, body: Buffer.from(text), contentType: 'application/json' });
  const obsolete = indexes.filter(({ record }) => record.checksum !== replaced.get(record)!.checksum).map(({ record }) => blobKey(prefix, record));
  return { writes, obsolete };
}
