import { defineConfig } from 'vitest/config';

/**
 * End-to-end runs (`npm run test:e2e`): real Spack (SPACK_ROOT), s3rver, private mount
 * namespaces (root). Minutes, not seconds, so not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    // The steps of a suite depend on each other, and Spack uses both cores.
    fileParallelism: false,
    server: { deps: { inline: ['clipanion'] } },
  },
});
