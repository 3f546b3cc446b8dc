import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep server-backed suites from starving each other.
    maxWorkers: 2,
    // clipanion 3's ESM build imports a directory, which Node's ESM loader refuses outside its
    // own resolution path; let Vite bundle it for the tests.
    server: { deps: { inline: ['clipanion'] } },
  },
});
