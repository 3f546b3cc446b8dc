import { defineConfig } from 'vitest/config';

/** The end-to-end run (`npm run test:e2e`): real tools, one suite at a time, long jobs. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/support/global-setup.ts'],
    testTimeout: 60 * 60_000,
    hookTimeout: 30 * 60_000,
    fileParallelism: false,
    server: { deps: { inline: ['clipanion'] } },
  },
});
