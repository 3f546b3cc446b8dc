import { ensureDebianPackages } from '../../support/debian.js';

/**
 * Debian packages the end-to-end run drives for real, installed once before it starts (and
 * said so: nothing is installed silently).
 */
export const E2E_DEBIAN_PACKAGES = [
  'buildah', 'docker-registry', 'debootstrap', 'skopeo', 'umoci', 'squashfs-tools', 'python3-boto3', 'rsync', 'git', 'shellcheck',
];

export default function setup(): void {
  ensureDebianPackages(E2E_DEBIAN_PACKAGES, 'the end-to-end run');
}
