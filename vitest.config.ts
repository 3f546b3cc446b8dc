import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep server-backed suites from starving each other.
    maxWorkers: 2,
    // clipanion's ESM build imports a directory ('../platform'), which only a bundler resolves.
    server: { deps: { inline: ['clipanion'] } },
  },
});
