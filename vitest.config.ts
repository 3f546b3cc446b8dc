import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep server-backed suites from starving each other.
    maxWorkers: 2,
    // clipanion's ESM build imports a directory, which Node refuses; let Vite resolve it so
    // tests can run commands in-process.
    server: { deps: { inline: ['clipanion'] } },
  },
});
