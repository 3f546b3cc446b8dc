import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The whole run first: on a fresh machine it is the one that builds the base images, through
 * the generated base-images pipeline; the suites of single parts then find them in the cache.
 */
class WholeRunFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const first = (file: TestSpecification) => (file.moduleId.endsWith('/pipelines.e2e.ts') ? 0 : 1);
    return [...files].sort((a, b) => first(a) - first(b) || (a.moduleId < b.moduleId ? -1 : a.moduleId > b.moduleId ? 1 : 0));
  }
}

/** The end-to-end run (`npm run test:e2e`): real tools, one suite at a time, long jobs. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/support/global-setup.ts'],
    testTimeout: 60 * 60_000,
    hookTimeout: 30 * 60_000,
    fileParallelism: false,
    sequence: { sequencer: WholeRunFirst },
    server: { deps: { inline: ['clipanion'] } },
  },
});
