import { ensureDebianPackages } from './debian.js';
import { TEST_DEBIAN_PACKAGES } from './global-setup.js';

/** `npm run setup:test` (and so `npm test`): installs, and says, what the integration tests drive. */
try {
  ensureDebianPackages('npm run setup:test', TEST_DEBIAN_PACKAGES);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
