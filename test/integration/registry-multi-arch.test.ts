import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { runCli } from '../support/cli.js';
import { makeProject, REPO_ROOT } from '../support/project.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../support/registry.js';
import { ignoreProgress } from '../support/progress.js';
import { renamedArchitectures } from '../support/sites.js';

describe('multi-arch-manifests joins the architectures of a container under its plain tag (docker-registry)', () => {
  let registry: TestRegistry;
  let project: string;
  let env: Record<string, string>;
  const repository = 'hpc/spacktainers/numpy';

  // Each test gets its own registry and project: none depends on what another pushed or joined.
  beforeEach(async () => {
    registry = await startRegistry();
    project = await makeProject({ 'amd64/numpy.yaml': 'spack:\n  specs: [py-numpy]\n', 'arm64/numpy.yaml': 'spack:\n  specs: [py-numpy]\n' });
    // Both architectures' generate jobs concretized py-numpy to 1.26.1 (the real medium lock).
    for (const arch of ['amd64', 'arm64']) {
      const dir = path.join(project, `generated/${arch}/spack-outputs/numpy`);
      await mkdir(dir, { recursive: true });
      await cp(path.join(REPO_ROOT, 'fixtures/spack/medium/spack.lock'), path.join(dir, 'spack.lock'));
    }
    env = { SPACKTAINERS_REGISTRY_HOST: registry.host };
    await pushTestImage(registry.endpoint, repository, '1.26.1', { arch: 'amd64', labels: { built: 'amd64 1' } });
  });
  afterEach(() => registry?.stop());

  const join = async () => {
    const run = await runCli(['multi-arch-manifests'], project, env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return run.stdout.trim();
  };
  const labelsFor = async (arch: string) => (await new RegistryClient(registry.host, ignoreProgress).image(repository, '1.26.1', arch))?.labels;

  it('leaves the tag alone while an architecture has not published yet', async () => {
    expect(await join()).toBe(`${registry.host}/${repository}:1.26.1 (amd64=1.26.1, arm64=1.26.1-arm64): incomplete`);
  });

  it('joins both images once both are there; a pull of either architecture finds its own', async () => {
    await pushTestImage(registry.endpoint, repository, '1.26.1-arm64', { arch: 'arm64', labels: { built: 'arm64 1' } });
    expect(await join()).toMatch(/: joined$/);
    const index = await new RegistryClient(registry.host, ignoreProgress).manifest(repository, '1.26.1');
    expect(index?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index?.body.manifests?.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm64']);
    expect(await labelsFor('amd64')).toEqual({ built: 'amd64 1' });
    expect(await labelsFor('arm64')).toEqual({ built: 'arm64 1' });
    expect(await join()).toMatch(/: unchanged$/);
  });

  it('joins again when one architecture is rebuilt, keeping the other', async () => {
    await pushTestImage(registry.endpoint, repository, '1.26.1-arm64', { arch: 'arm64', labels: { built: 'arm64 1' } });
    expect(await join()).toMatch(/: joined$/);
    await pushTestImage(registry.endpoint, repository, '1.26.1-arm64', { arch: 'arm64', labels: { built: 'arm64 2' } });
    expect(await join()).toMatch(/: joined$/);
    expect(await labelsFor('amd64')).toEqual({ built: 'amd64 1' });
    expect(await labelsFor('arm64')).toEqual({ built: 'arm64 2' });
    // A rebuilt amd64 image is pushed to the plain tag, replacing the index until the next join.
    await pushTestImage(registry.endpoint, repository, '1.26.1', { arch: 'amd64', labels: { built: 'amd64 2' } });
    expect(await join()).toMatch(/: joined$/);
    expect(await labelsFor('amd64')).toEqual({ built: 'amd64 2' });
    expect(await labelsFor('arm64')).toEqual({ built: 'arm64 2' });
  });
});

describe('multi-arch-manifests lists each architecture under its OCI platform (settings architectures.<arch>.platform)', () => {
  it('joins x86_64 and aarch64 images as amd64 and arm64', async () => {
    const registry = await startRegistry();
    try {
      const repository = 'hpc/spacktainers/numpy';
      const project = await makeProject({ 'x86_64/numpy.yaml': 'spack:\n  specs: [py-numpy]\n', 'aarch64/numpy.yaml': 'spack:\n  specs: [py-numpy]\n' });
      const settings = renamedArchitectures('x86_64', 'aarch64')
        .replace('  x86_64:\n', '  x86_64:\n    platform: amd64\n')
        .replace('  aarch64:\n', '  aarch64:\n    platform: arm64\n');
      await writeFile(path.join(project, 'settings.yaml'), settings);
      for (const arch of ['x86_64', 'aarch64']) {
        const dir = path.join(project, `generated/${arch}/spack-outputs/numpy`);
        await mkdir(dir, { recursive: true });
        await cp(path.join(REPO_ROOT, 'fixtures/spack/medium/spack.lock'), path.join(dir, 'spack.lock'));
      }
      await pushTestImage(registry.endpoint, repository, '1.26.1', { arch: 'amd64', labels: { built: 'x86_64' } });
      await pushTestImage(registry.endpoint, repository, '1.26.1-aarch64', { arch: 'arm64', labels: { built: 'aarch64' } });
      const run = await runCli(['multi-arch-manifests'], project, { SPACKTAINERS_REGISTRY_HOST: registry.host });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe(`${registry.host}/${repository}:1.26.1 (x86_64=1.26.1, aarch64=1.26.1-aarch64): joined`);
      const client = new RegistryClient(registry.host, ignoreProgress);
      expect((await client.manifest(repository, '1.26.1'))?.body.manifests?.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm64']);
      expect((await client.image(repository, '1.26.1', 'arm64'))?.labels).toEqual({ built: 'aarch64' });
    } finally {
      await registry.stop();
    }
  });
});
