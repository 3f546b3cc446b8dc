import { ensureDebianPackages, type DebianNeed } from '../../support/debian.js';
import { IMAGE_PACKAGES } from './images.js';
import { SPACK_PACKAGES } from './spack.js';

/** Debian packages the end-to-end run drives for real. */
export const E2E_DEBIAN_PACKAGES: readonly DebianNeed[] = [
  { packages: IMAGE_PACKAGES, why: "the image jobs' tools (debootstrap, buildah, the registry, git serving Spack) and the apptainer stand-in's" },
  { packages: SPACK_PACKAGES, why: "Spack's S3 client (boto3), and patchelf a bootstrapping Spack would otherwise build" },
  { packages: ['rsync'], why: 'gitlab-ci-local copies the project into its build folder with it' },
];

/** Installed once before the run starts, through the same step as `npm run setup:test`'s. */
export default function setup(): void {
  ensureDebianPackages('npm run test:e2e', E2E_DEBIAN_PACKAGES);
}
