import { defineConfig } from 'vitest/config';

/**
 * The end-to-end run (`npx vitest run --config vitest.e2e.config.ts`): real image builds and
 * pipelines on this machine, minutes each, one at a time. Not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 60 * 60_000,
    hookTimeout: 60 * 60_000,
    maxWorkers: 1,
    fileParallelism: false,
    // clipanion 3's ESM build imports a directory (see vitest.config.ts).
    server: { deps: { inline: ['clipanion'] } },
  },
});
