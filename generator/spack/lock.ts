import { InputError } from '../input/errors.js';
import { isPlainObject } from '../input/shape.js';

/** One concrete spec of a `spack.lock` (lockfile-version 4 and 5, specfile-version 3 and 4). */
export interface ConcreteSpec {
  hash: string;
  name: string;
  version: string;
  dependencies: { name: string; hash: string }[];
}

/** A concretized Spack environment: its roots (the specs as written) and every concrete spec. */
export interface SpackLock {
  spackVersion: string | undefined;
  roots: { spec: string; hash: string }[];
  specs: Map<string, ConcreteSpec>;
}

export function parseSpackLock(file: string, text: string): SpackLock {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError({ file }, `not a spack.lock: ${(error as Error).message}`);
  }
  if (!isPlainObject(data) || !Array.isArray(data.roots) || !isPlainObject(data.concrete_specs)) {
    throw new InputError({ file }, 'not a spack.lock: expected "roots" and "concrete_specs"');
  }
  const specs = new Map<string, ConcreteSpec>();
  for (const [hash, raw] of Object.entries(data.concrete_specs)) {
    if (!isPlainObject(raw) || typeof raw.name !== 'string' || raw.version === undefined) {
      throw new InputError({ file, key: `concrete_specs.${hash}` }, 'concrete spec without name and version');
    }
    const dependencies = Array.isArray(raw.dependencies)
      ? raw.dependencies.filter(isPlainObject).map((d) => ({ name: String(d.name), hash: String(d.hash) }))
      : [];
    specs.set(hash, { hash, name: raw.name, version: String(raw.version), dependencies });
  }
  const roots = data.roots.filter(isPlainObject).map((r) => ({ spec: String(r.spec), hash: String(r.hash) }));
  const spack = isPlainObject(data.spack) ? data.spack : {};
  return { spackVersion: typeof spack.version === 'string' ? spack.version : undefined, roots, specs };
}

/** The concrete spec a root spec (as written in spack.yaml) was concretized to. */
export function concreteRoot(lock: SpackLock, file: string, spec: string): ConcreteSpec {
  const root = lock.roots.find((r) => r.spec === spec);
  const concrete = root && lock.specs.get(root.hash);
  if (!concrete) throw new InputError({ file, key: 'roots' }, `no concretized root for spec "${spec}"`);
  return concrete;
}
