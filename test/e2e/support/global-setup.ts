import { ensureDebianPackages } from '../../support/debian.js';
import { IMAGE_PACKAGES } from './images.js';
import { SPACK_PACKAGES } from './spack.js';

/**
 * Debian packages the end-to-end run drives for real, installed once before it starts (and
 * said so: nothing is installed silently): the image tools, Spack's, rsync for gitlab-ci-local.
 */
export const E2E_DEBIAN_PACKAGES = [...IMAGE_PACKAGES, ...SPACK_PACKAGES, 'rsync'];

export default function setup(): void {
  ensureDebianPackages(E2E_DEBIAN_PACKAGES, 'the end-to-end run');
}
