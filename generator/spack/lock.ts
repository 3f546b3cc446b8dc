import { SpacktainersError } from '../errors.js';
import { isPlainObject } from '../input/shape.js';
import { compareCodePoints } from '../pipeline/order.js';

/** One concrete spec of a `spack.lock` (lockfile-version 4 and 5, specfile-version 3 and 4). */
export interface ConcreteSpec {
  hash: string;
  name: string;
  version: string;
  /** Variants in Spack's notation, e.g. `+cxx~docs build_system=autotools`. */
  variants: string;
  dependencies: { name: string; hash: string }[];
}

/** A concretized Spack environment: its roots (the specs as written) and every concrete spec. */
export interface SpackLock {
  file: string;
  spackVersion: string | undefined;
  roots: { spec: string; hash: string }[];
  specs: Map<string, ConcreteSpec>;
}

export function parseSpackLock(file: string, text: string): SpackLock {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw SpacktainersError.input({ file }, `not a spack.lock: ${(error as Error).message}`);
  }
  const meta = isPlainObject(data) && isPlainObject(data._meta) ? data._meta : {};
  if (meta['file-type'] !== 'spack-lockfile') {
    throw SpacktainersError.input({ file, key: '_meta.file-type' }, 'not a Spack lock file (expected "spack-lockfile")');
  }
  if (!isPlainObject(data) || !Array.isArray(data.roots) || !isPlainObject(data.concrete_specs)) {
    throw SpacktainersError.input({ file }, 'not a spack.lock: expected "roots" and "concrete_specs"');
  }
  const specs = new Map<string, ConcreteSpec>();
  for (const [hash, raw] of Object.entries(data.concrete_specs)) {
    if (!isPlainObject(raw) || typeof raw.name !== 'string' || raw.version === undefined) {
      throw SpacktainersError.input({ file, key: `concrete_specs.${hash}` }, 'concrete spec without name and version');
    }
    const dependencies = Array.isArray(raw.dependencies)
      ? raw.dependencies.filter(isPlainObject).map((d) => ({ name: String(d.name), hash: String(d.hash) }))
      : [];
    const variants = isPlainObject(raw.parameters) ? formatVariants(raw.parameters) : '';
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- Spack writes versions as strings; String() only guards hand-made locks
    specs.set(hash, { hash, name: raw.name, version: String(raw.version), variants, dependencies });
  }
  const roots = data.roots.filter(isPlainObject).map((r) => ({ spec: String(r.spec), hash: String(r.hash) }));
  const spack = isPlainObject(data.spack) ? data.spack : {};
  return { file, spackVersion: typeof spack.version === 'string' ? spack.version : undefined, roots, specs };
}

/** The concrete spec a root spec (as written in spack.yaml) was concretized to. */
export function concreteRoot(lock: SpackLock, spec: string): ConcreteSpec {
  const root = lock.roots.find((r) => r.spec === spec);
  const concrete = root && lock.specs.get(root.hash);
  if (!concrete) throw SpacktainersError.input({ file: lock.file, key: 'roots' }, `no concretized root for spec "${spec}"`);
  return concrete;
}

/** Compiler flags are parameters too, but not variants: Spack prints them separately. */
const FLAG_PARAMETERS = new Set(['cflags', 'cppflags', 'cxxflags', 'fflags', 'ldflags', 'ldlibs']);

/** Spack's short form: boolean variants first as +x/~x, then key=value (lists comma separated). */
function formatVariants(parameters: Record<string, unknown>): string {
  const entries = Object.entries(parameters)
    .filter(([key]) => !FLAG_PARAMETERS.has(key))
    .sort(([a], [b]) => compareCodePoints(a, b));
  const booleans = entries
    .filter(([, v]) => typeof v === 'boolean')
    .map(([k, v]) => `${v ? '+' : '~'}${k}`)
    .join('');
  const valued = entries
    .filter(([, v]) => typeof v !== 'boolean')
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map((x) => (k === 'patches' ? String(x).slice(0, 7) : String(x))).join(',') : String(v)}`);
  return [booleans, ...valued].filter(Boolean).join(' ');
}

/** A container's spack.lock as its generate job wrote it; `digest` is over what it says (spackLockDigest). */
export interface LockedEnvironment {
  lock: SpackLock;
  digest: string;
}

/** What one container's generate job left: its lock and the specs it must build. */
export interface SpackOutput {
  name: string;
  lockFile: string;
  lock: SpackLock;
  buildJobs: Set<string>;
}
