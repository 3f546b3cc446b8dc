import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpacktainersError } from '../../errors.js';

/**
 * The folder of the spacktainers package this module belongs to: the nearest one above it that
 * holds a package.json (the sources sit one level less deep than their build in dist/).
 */
function findPackageRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(folder, 'package.json'))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new SpacktainersError('internal', `internal: no package.json above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
  return folder;
}

let packageRoot: string | undefined;

/** A path inside the installed package: where the defaults a project need not hold are shipped. */
export function packagePath(...segments: string[]): string {
  packageRoot ??= findPackageRoot();
  return path.join(packageRoot, ...segments);
}

/** The package's version, from its package.json: the one place it is written. */
export function readPackageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

/** The project's file or folder at `segments` when it has one, else the package's default at the same path. */
export function projectOrPackagePath(projectRoot: string, ...segments: string[]): { path: string; shipped: boolean } {
  const own = path.join(projectRoot, ...segments);
  return existsSync(own) ? { path: own, shipped: false } : { path: packagePath(...segments), shipped: true };
}
