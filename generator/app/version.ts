import { readPackageVersion } from '../io/fs/package-files.js';

/** What `spacktainers --version` prints: the version in package.json, the one place it is written. */
export function packageVersion(): string {
  return readPackageVersion();
}
