import { ensureDebianPackages } from './debian.js';

/**
 * What the suites run against and install from Debian, installed once before any worker
 * starts (two workers calling apt-get at once would fight over its lock): the reference
 * registry server, Lmod and tclsh for module files, rsync for gitlab-ci-local, shellcheck for
 * the generated scripts.
 */
export const DEBIAN_PACKAGES = ['docker-registry', 'lmod', 'tcl', 'rsync', 'shellcheck'];

export default function setup(): void {
  ensureDebianPackages(DEBIAN_PACKAGES);
}
