import { requireDebianPackages, type DebianNeed } from './debian.js';

/** What the integration suites run against from Debian; `npm run setup:test` installs it. */
export const TEST_DEBIAN_PACKAGES: readonly DebianNeed[] = [
  { packages: ['docker-registry'], why: 'the reference registry server the registry, publish and status tests push to' },
  { packages: ['lmod', 'tcl'], why: 'Lmod and tclsh load the generated module files' },
  { packages: ['rsync'], why: 'gitlab-ci-local copies the project into its build folder with it' },
  { packages: ['shellcheck'], why: 'checks every generated job script' },
];

/** Installing is `npm run setup:test`'s, announced and once; the suites only check its result. */
export default function setup(): void {
  requireDebianPackages(
    TEST_DEBIAN_PACKAGES.flatMap((need) => need.packages),
    'npm run setup:test',
  );
}
