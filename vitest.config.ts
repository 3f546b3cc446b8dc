import { defineConfig } from 'vitest/config';

/**
 * Tests by kind, by folder: test/unit/ runs in-process only (no server, no subprocess, no Spack,
 * no gitlab-ci-local), so `npm run test:unit` answers in seconds; test/integration/ starts real
 * servers and tools.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep server-backed suites from starving each other.
    maxWorkers: 2,
    // clipanion 3's ESM build imports a directory, which Node's ESM loader refuses outside its
    // own resolution path; let Vite bundle it for the tests.
    server: { deps: { inline: ['clipanion'] } },
    projects: [
      // Pure files share a worker's modules: the CLI and GitLab's schema are loaded once, not per file.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Only the integration files drive Debian's tools; it checks they are installed.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
