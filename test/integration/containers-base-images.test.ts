import { appendFile, cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { runCli } from '../support/cli.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';
import { makeProject, REPO_ROOT } from '../support/project.js';
import { jobNames, runBuildJobs } from '../support/publish-jobs.js';
import { freePort, startRegistry, type TestRegistry } from '../support/registry.js';
import { ignoreProgress } from '../support/progress.js';

describe('base images: built only when the registry lacks them with the same input checksum', () => {
  let registry: TestRegistry;
  let project: string;
  let env: Record<string, string>;

  const createJobs = async (extra: Record<string, string> = {}) => {
    const run = await runCli(['create-jobs'], project, { ...env, ...extra });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const text = await readFile(path.join(project, 'generated/base-images.yml'), 'utf8');
    expect(gitlabSchemaErrors(text)).toEqual([]);
    return { text, stdout: run.stdout, jobs: jobNames(text) };
  };

  /** The state a first pipeline leaves: every base image built. */
  const buildAll = async () => {
    await runBuildJobs(registry.endpoint, registry.host, (await createJobs()).text);
    expect((await createJobs()).jobs).toEqual(['base-images-unchanged']);
  };

  // Each test gets its own registry and project: none depends on what another built.
  beforeEach(async () => {
    registry = await startRegistry();
    project = await makeProject({});
    await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(project, 'container_definitions'), { recursive: true });
    env = { SPACKTAINERS_REGISTRY_HOST: registry.host };
  });
  afterEach(async () => registry?.stop());

  it('builds everything into an empty registry, then nothing once built', async () => {
    const first = await createJobs();
    expect(first.jobs).toEqual([
      'base-image:amd64:builder',
      'base-image:arm64:builder',
      'base-image-manifest:builder',
      'base-image:amd64:runtime',
      'base-image:arm64:runtime',
      'base-image-manifest:runtime',
      'base-image:amd64:singularitah',
      'base-image:arm64:singularitah',
      'base-image-manifest:singularitah',
    ]);
    expect(await runBuildJobs(registry.endpoint, registry.host, first.text)).toHaveLength(6);
    const second = await createJobs();
    expect(second.jobs).toEqual(['base-images-unchanged']);
  });

  it('rebuilds only the base image whose files changed', async () => {
    await buildAll();
    await appendFile(path.join(project, 'base-images/runtime/Dockerfile'), '\nENV SPACKTAINERS_TEST=1\n');
    const changed = await createJobs();
    expect(changed.jobs).toEqual(['base-image:amd64:runtime', 'base-image:arm64:runtime', 'base-image-manifest:runtime']);
    await runBuildJobs(registry.endpoint, registry.host, changed.text);
    expect((await createJobs()).jobs).toEqual(['base-images-unchanged']);
  });

  it('a new branch re-tags the default branch images (same digest) instead of building them', async () => {
    await buildAll();
    const branch = await createJobs({ CI_COMMIT_REF_NAME: 'feature/x', CI_DEFAULT_BRANCH: 'main' });
    expect(branch.jobs).toEqual(['base-image-manifest:builder', 'base-image-manifest:runtime', 'base-image-manifest:singularitah']);
    expect(branch.stdout).toContain(
      `base image runtime (arm64): copied ${registry.host}/hpc/spacktainers/base/runtime:latest-arm64 to ${registry.host}/hpc/spacktainers/base/runtime:feature-x-arm64`,
    );
    const client = new RegistryClient(registry.host, ignoreProgress);
    const [main, copy] = await Promise.all(['latest-amd64', 'feature-x-amd64'].map((tag) => client.image('hpc/spacktainers/base/builder', tag, 'amd64')));
    expect(copy?.digest).toBe(main?.digest);
    // The next pipeline of the branch finds its own tags.
    expect((await createJobs({ CI_COMMIT_REF_NAME: 'feature/x', CI_DEFAULT_BRANCH: 'main' })).jobs).toEqual(['base-images-unchanged']);
  });

  it('stops with a clear error, writing nothing, when the registry cannot be asked', async () => {
    const other = await makeProject({});
    await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(other, 'container_definitions'), { recursive: true });
    const run = await runCli(['create-jobs'], other, { SPACKTAINERS_REGISTRY_HOST: `127.0.0.1:${await freePort()}` });
    expect(run.code).toBe(1);
    // The command's stderr has each retry, then the error that ends them.
    const lines = run.stderr.trimEnd().split('\n');
    for (const retry of lines.slice(0, -1)) expect(retry).toMatch(/: attempt [12]\/3 failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); retrying in \d+\.\d s$/);
    expect(lines.at(-1)).toMatch(/^127\.0\.0\.1:\d+: cannot reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    await expect(readdir(path.join(other, 'generated'))).rejects.toThrow();
  });

  it('builds the builder again when the Spack commit changes', async () => {
    await buildAll();
    const changed = await createJobs({ SPACKTAINERS_SPACK_COMMIT: '0123456789abcdef0123456789abcdef01234567' });
    expect(changed.jobs).toEqual(['base-image:amd64:builder', 'base-image:arm64:builder', 'base-image-manifest:builder']);
  });
});
