import { createHash } from 'node:crypto';
import { SpacktainersError } from '../errors.js';

/** A spec node as Spack stores it in spec files, lock files and the index (only what we read). */
export interface SpecNode {
  name: string;
  version: string;
  hash: string;
  dependencies?: { name: string; hash: string }[] | undefined;
  [field: string]: unknown;
}

/** One record of the build-cache index, with the fields `spack buildcache update-index` writes. */
export interface IndexRecord {
  spec: SpecNode;
  ref_count: number;
  in_buildcache: boolean;
}

/** Spack's Database file as the build-cache index uses it (`{"database": {"version", "installs"}}`). */
export interface SpackIndex {
  version: string;
  /** Records in file order, by DAG hash. */
  installs: Map<string, IndexRecord>;
}

export function parseSpackIndex(text: string, source: string): SpackIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SpacktainersError('service', `${source}: not JSON (${(error as Error).message})`);
  }
  const database = (parsed as { database?: { version?: unknown; installs?: unknown } } | null)?.database;
  if (!database || typeof database.version !== 'string' || typeof database.installs !== 'object' || !database.installs) {
    throw new SpacktainersError('service', `${source}: not a Spack database (no database.version and database.installs)`);
  }
  const installs = new Map<string, IndexRecord>();
  for (const [hash, record] of Object.entries(database.installs as Record<string, Partial<IndexRecord> | null>)) {
    if (typeof record?.spec?.name !== 'string' || record.spec.hash !== hash) {
      throw new SpacktainersError('service', `${source}: database.installs.${hash}: record without a matching spec`);
    }
    installs.set(hash, record as IndexRecord);
  }
  return { version: database.version, installs };
}

export function dependencyHashes(spec: SpecNode): string[] {
  return (spec.dependencies ?? []).map((dependency) => dependency.hash);
}

/**
 * The index Spack would write for a cache holding exactly `present` (hash → spec node): one record
 * per present spec marked `in_buildcache`, records of dependencies that live elsewhere kept as
 * `in_buildcache: false` when something still uses them (Spack's Database adds them that way), and
 * `ref_count` recounted as the number of records depending on each one.
 */
export function indexOf(version: string, present: Map<string, SpecNode>, previous: SpackIndex): SpackIndex {
  const specs = new Map<string, { spec: SpecNode; inBuildcache: boolean }>();
  const order = [...previous.installs.keys(), ...present.keys()];
  const visit = (hash: string) => {
    if (specs.has(hash)) return;
    const own = present.get(hash);
    const spec = own ?? previous.installs.get(hash)?.spec;
    if (!spec) return;
    specs.set(hash, { spec, inBuildcache: own !== undefined });
    for (const dependency of dependencyHashes(spec)) visit(dependency);
  };
  for (const hash of present.keys()) visit(hash);
  const refCounts = new Map<string, number>();
  for (const { spec } of specs.values()) {
    for (const dependency of dependencyHashes(spec)) {
      if (specs.has(dependency)) refCounts.set(dependency, (refCounts.get(dependency) ?? 0) + 1);
    }
  }
  const installs = new Map<string, IndexRecord>();
  for (const hash of order) {
    const kept = specs.get(hash);
    if (!kept || installs.has(hash)) continue;
    installs.set(hash, { spec: kept.spec, ref_count: refCounts.get(hash) ?? 0, in_buildcache: kept.inBuildcache });
  }
  return { version, installs };
}

/** The index text exactly as Spack's `sjson.dump` writes it: compact separators, ASCII only. */
export function renderSpackIndex(index: SpackIndex): string {
  const installs = Object.fromEntries(index.installs);
  return pythonJson({ database: { version: index.version, installs } });
}

/** `json.dumps(value, separators=(",", ":"))` with Python's default `ensure_ascii`. */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
