import type { Bucket, ListedObject } from './bucket.js';
import type { BuildCacheEntry } from './entry.js';
import { dependencyHashes, indexOf, parseSpackIndex, renderSpackIndex, sha256Hex, type SpackIndex, type SpecNode } from './spack-index.js';
import { decodeSpecDocument, nodeOfSpecFile } from './spec-file.js';
import type { IndexWrite, LayoutSurvey } from './survey.js';
import { compareCodePoints } from '../pipeline/order.js';
import { SpacktainersError } from '../errors.js';

/**
 * Spack < 1.0 ("build cache layout" 1 and 2, Spack 0.18 to 0.23), checked against the Spack 0.21.2
 * caches in fixtures/spack/buildcache-v2:
 *   build_cache/index.json, build_cache/index.json.hash (sha256 of index.json)
 *   build_cache/<arch>-<compiler>-<name>-<version>-<hash>.spec.json[.sig]
 *   build_cache/<arch>/<compiler>/<name>-<version>/<arch>-<compiler>-<name>-<version>-<hash>.spack
 */
export const V2_ROOT = 'build_cache/';
export const V2_INDEX = `${V2_ROOT}index.json`;
export const V2_INDEX_HASH = `${V2_ROOT}index.json.hash`;

const SPEC_FILE = /^(.+)-([a-z0-9]{32})\.spec\.json(\.sig)?$/;

/** A spec file found at the top of build_cache/ (one per entry, two when signed and unsigned). */
interface SpecFile {
  object: ListedObject;
  basename: string;
  hash: string;
}

function specFilesOf(listing: ListedObject[], prefix: string): Map<string, SpecFile[]> {
  const byHash = new Map<string, SpecFile[]>();
  for (const object of listing) {
    const match = SPEC_FILE.exec(object.key.slice(prefix.length + V2_ROOT.length));
    if (!match) continue;
    const file = { object, basename: match[1]! + '-' + match[2]!, hash: match[2]! };
    byHash.set(file.hash, [...(byHash.get(file.hash) ?? []), file]);
  }
  return byHash;
}

/**
 * The tarball's key, from the spec file's base name and the node: the base name is
 * `<arch>-<compiler name>-<compiler version>-<name>-<version>-<hash>` and the tarball sits in
 * `<arch>/<compiler>/<name>-<version>/` (Spack's tarball_directory_name).
 */
export function v2TarballKey(prefix: string, basename: string, node: SpecNode): string {
  const compiler = node.compiler as { name?: string; version?: string } | undefined;
  const tail = `-${node.name}-${node.version}-${node.hash}`;
  const compilerPart = `${compiler?.name}-${compiler?.version}`;
  const archAndCompiler = basename.slice(0, basename.length - tail.length);
  if (!compiler?.name || !basename.endsWith(tail) || !archAndCompiler.endsWith(`-${compilerPart}`)) {
    throw new SpacktainersError('service', `${prefix}${V2_ROOT}${basename}: cannot tell where its tarball is (unexpected name or no compiler)`);
  }
  const arch = archAndCompiler.slice(0, archAndCompiler.length - compilerPart.length - 1);
  return `${prefix}${V2_ROOT}${arch}/${compilerPart}/${node.name}-${node.version}/${basename}.spack`;
}

/** Entries from the top-level listing, the index, and the spec nodes read for entries the index lacks. */
function v2Entries(prefix: string, listing: ListedObject[], nodes: Map<string, SpecNode>): BuildCacheEntry[] {
  const entries: BuildCacheEntry[] = [];
  for (const [hash, files] of specFilesOf(listing, prefix)) {
    const node = nodes.get(hash);
    if (!node) throw new SpacktainersError('service', `${prefix}${V2_ROOT}: no spec known for ${hash}`);
    const specKeys = files.map((file) => file.object.key).sort(compareCodePoints);
    entries.push({
      layout: 'v2',
      hash,
      name: node.name,
      version: node.version,
      pushedAt: new Date(Math.max(...files.map((file) => file.object.lastModified.getTime()))),
      objects: specKeys,
      size: files.reduce((sum, file) => sum + file.object.size, 0),
      dependencies: dependencyHashes(node),
    });
  }
  return entries;
}

/**
 * Read a v2 build cache under `prefix`; undefined when there is none. `known` holds spec nodes read
 * before (a DAG hash names one spec for good), so that a re-survey reads only what is new.
 */
export async function surveyV2(bucket: Bucket, prefix: string, known = new Map<string, SpecNode>()): Promise<LayoutSurvey | undefined> {
  const listing = await bucket.list(`${prefix}${V2_ROOT}`, { delimiter: '/' });
  const indexBytes = await bucket.get(`${prefix}${V2_INDEX}`);
  const specFiles = specFilesOf(listing, prefix);
  if (specFiles.size === 0 && !indexBytes) return undefined;
  const index: SpackIndex = indexBytes
    ? parseSpackIndex(Buffer.from(indexBytes).toString('utf8'), `${prefix}${V2_INDEX}`)
    : { version: '7', installs: new Map() };
  const nodes = new Map<string, SpecNode>();
  let unindexed = 0;
  for (const [hash, files] of specFiles) {
    const record = index.installs.get(hash);
    if (!record?.in_buildcache) unindexed++;
    const spec = record?.spec ?? known.get(hash);
    if (spec) {
      nodes.set(hash, spec);
      continue;
    }
    // Pushed after the last update-index: only its spec file knows its dependencies.
    const key = files[0]!.object.key;
    const bytes = await bucket.get(key);
    if (!bytes) throw new SpacktainersError('service', `${key}: listed but gone; the cache is changing, try again`);
    nodes.set(hash, nodeOfSpecFile(decodeSpecDocument(bytes), hash, key));
  }
  for (const [hash, node] of nodes) known.set(hash, node);
  const entries = v2Entries(prefix, listing, nodes);
  const tarballs = new Map([...specFiles].map(([hash, files]) => [hash, v2TarballKey(prefix, files[0]!.basename, nodes.get(hash)!)]));
  return {
    layout: 'v2',
    prefix,
    entries,
    unindexed,
    indexed: new Set([...index.installs].filter(([, record]) => record.in_buildcache).map(([hash]) => hash)),
    payloadOf: async (doomed) => new Map(doomed.map((entry) => [entry.hash, [tarballs.get(entry.hash)!]])),
    rewriteIndex: async (doomed) => v2IndexWrites(prefix, index, entries, nodes, doomed),
  };
}

/** index.json for what remains, then index.json.hash (Spack writes and reads them in that order). */
function v2IndexWrites(prefix: string, index: SpackIndex, entries: BuildCacheEntry[], nodes: Map<string, SpecNode>, doomed: ReadonlySet<string>): IndexWrite {
  const present = new Map<string, SpecNode>();
  for (const entry of entries) if (!doomed.has(entry.hash)) present.set(entry.hash, nodes.get(entry.hash)!);
  const text = renderSpackIndex(indexOf(index.version, present, index));
  return {
    writes: [
      { key: `${prefix}${V2_INDEX}`, body: Buffer.from(text), contentType: 'application/json' },
      { key: `${prefix}${V2_INDEX_HASH}`, body: Buffer.from(sha256Hex(text)), contentType: 'text/plain' },
    ],
    obsolete: [],
  };
}
