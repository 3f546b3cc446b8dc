import { defineConfig } from 'vitest/config';

/**
 * The unit project: files that run in-process only (no server, no subprocess, no Spack, no
 * gitlab-ci-local), so `npm run test:unit` answers in seconds. A file joins it deliberately;
 * every other file in test/ is an integration file, started against real servers and tools.
 */
const UNIT = [
  'test/cache-janitor.test.ts',
  'test/containers-bad-input.test.ts',
  'test/e2e-apt-sources.test.ts',
  'test/json-schemas.test.ts',
  'test/output-folders.test.ts',
  'test/provenance.test.ts',
  'test/render.test.ts',
  'test/settings.test.ts',
  'test/spack-pipeline.test.ts',
];

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
      { extends: true, test: { name: 'unit', include: UNIT, isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/*.test.ts'],
          exclude: UNIT,
          // Only the integration files drive Debian's tools; it checks they are installed.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
