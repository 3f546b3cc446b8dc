import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerStatus } from '../../generator/containers/status.js';
import { loadDefinitions } from '../../generator/app/project.js';
import { copyExampleOutputs } from '../../generator/app/example-outputs.js';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { runCli } from '../support/cli.js';
import { BUNDLED_ARCHITECTURES, makeProject, REPO_ROOT } from '../support/project.js';
import { runBuildJobs, runPublishJobs } from '../support/publish-jobs.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../support/registry.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { changeADependency } from '../support/spack-lock.js';
import { ignoreProgress } from '../support/progress.js';

describe('status and module publishing (docker-registry and s3rver)', () => {
  let registry: TestRegistry;
  let s3: TestS3;
  let project: string;
  let env: Record<string, string>;

  const status = async (...args: string[]): Promise<Map<string, ContainerStatus>> => {
    const run = await runCli(['status', '--json', ...args], project, env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return new Map((JSON.parse(run.stdout) as ContainerStatus[]).map((row) => [`${row.arch}/${row.name}`, row]));
  };

  /** What the amd64 publishing pipeline does: its jobs planned, then run. */
  const publishAmd64 = async () => {
    expect((await runCli(['container-jobs', '--arch', 'amd64'], project, env)).code).toBe(0);
    await runPublishJobs(registry, project, env, await readFile(path.join(project, 'generated/amd64/containers/containers.yml'), 'utf8'));
  };

  // Each test gets its own servers and project: none depends on what another published.
  beforeEach(async () => {
    [registry, s3] = await Promise.all([startRegistry(), startS3({ buckets: ['spacktainers-sif'] })]);
    project = await makeProject({});
    await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(project, 'container_definitions'), { recursive: true });
    const def = path.join(project, 'container_definitions/amd64/ubuntu-tools.def');
    await writeFile(def, (await readFile(def, 'utf8')).replace('docker.io/library/ubuntu', `${registry.host}/library/ubuntu`));
    await pushTestImage(registry.endpoint, 'library/ubuntu', '24.04', { content: 'ubuntu' });
    env = {
      SPACKTAINERS_REGISTRY_HOST: registry.host,
      SPACKTAINERS_DOCKER_HUB_HOST: registry.host,
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    expect((await runCli(['create-jobs'], project, env)).code).toBe(0);
    await runBuildJobs(registry.endpoint, registry.host, await readFile(path.join(project, 'generated/base-images.yml'), 'utf8'));
    const definitions = await loadDefinitions(path.join(project, 'container_definitions'), project, BUNDLED_ARCHITECTURES);
    await copyExampleOutputs(definitions, path.join(REPO_ROOT, 'examples/spack-outputs'), path.join(project, 'generated'));
  });
  afterEach(async () => Promise.all([registry?.stop(), s3?.stop()]));

  it('says what is missing before the first publication, and what is not concretized', async () => {
    const rows = await status();
    expect(rows.get('amd64/numpy')).toMatchObject({
      tag: '1.26.1',
      image: `${registry.host}/hpc/spacktainers/numpy:1.26.1`,
      imageState: 'missing',
      sifKey: 'numpy/numpy-1.26.1.sif',
      sifState: 'missing',
    });
    expect(rows.get('amd64/ubuntu-tools')).toMatchObject({ imageState: 'none', sifState: 'missing' });
    // Not concretized here: what cannot be known yet is null, every key still there.
    const unknown = ['version', 'tag', 'image', 'imageState', 'sifKey', 'sifState', 'dockerHubState', 'spackLockDigest', 'builtBy'];
    expect(rows.get('arm64/numpy')).toEqual({
      arch: 'arm64',
      name: 'numpy',
      kind: 'spack',
      ...Object.fromEntries(unknown.map((key) => [key, null])),
      note: expect.stringContaining('no generated/arm64/spack-outputs/numpy/spack.lock'),
    });
    expect(Object.keys(rows.get('amd64/numpy')!)).toEqual(Object.keys(rows.get('arm64/numpy')!));
  });

  it('finds every container once its pipeline published it, with the pipeline that built it', async () => {
    await publishAmd64();
    // The build job also labels the image with its pipeline (a value only GitLab knows).
    const numpy = (await new RegistryClient(registry.host, ignoreProgress).image('hpc/spacktainers/numpy', '1.26.1', 'amd64'))!;
    const builtBy = 'https://gitlab.example.org/hpc/spacktainers/-/pipelines/42';
    await pushTestImage(registry.endpoint, 'hpc/spacktainers/numpy', '1.26.1', {
      labels: { ...numpy.labels, 'org.spacktainers.pipeline-url': builtBy },
    });
    const rows = await status('--arch', 'amd64');
    for (const name of ['build-tools', 'hdf5-mpi', 'numpy']) {
      expect(rows.get(`amd64/${name}`)).toMatchObject({ imageState: 'current', sifState: 'current', dockerHubState: 'none' });
    }
    expect(rows.get('amd64/ubuntu-tools')).toMatchObject({ imageState: 'none', sifState: 'current' });
    expect(rows.get('amd64/numpy')?.builtBy).toBe(builtBy);
    expect(rows.has('arm64/numpy')).toBe(false);
    const table = await runCli(['status', '--arch', 'amd64', 'numpy'], project, env);
    expect(table.stdout).toMatch(/amd64\/numpy\s+1\.26\.1\s+current\s+current\s+none\s+https:\/\/gitlab\.example\.org/);
  });

  it('published provenance and the module beside each SIF', async () => {
    await publishAmd64();
    const list = await s3.client.send(new ListObjectsV2Command({ Bucket: 'spacktainers-sif' }));
    const keys = (list.Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual(
      expect.arrayContaining([
        'numpy/numpy-1.26.1.sif',
        'numpy/numpy-1.26.1.provenance.json',
        'modules/amd64/lua/numpy/1.26.1.lua',
        'wrappers/amd64/numpy/1.26.1/bin/python3',
        'modules/amd64/lua/ubuntu-tools/24.04.lua',
        'wrappers/amd64/ubuntu-tools/24.04/bin/ubuntu-tools',
      ]),
    );
    const wrapper = await s3.client.send(new HeadObjectCommand({ Bucket: 'spacktainers-sif', Key: 'wrappers/amd64/numpy/1.26.1/bin/python3' }));
    // s3cmd sync --preserve restores this mode: the wrapper is executable on the cluster.
    expect(wrapper.Metadata?.['s3cmd-attrs']).toBe(`mode:${String(0o100755)}`);
    const lua = await s3.client.send(new GetObjectCommand({ Bucket: 'spacktainers-sif', Key: 'modules/amd64/lua/numpy/1.26.1.lua' }));
    expect(await lua.Body!.transformToString()).toContain('prepend_path("PATH", "/apps/spacktainers/wrappers/amd64/numpy/1.26.1/bin")');
  });

  it('says outdated when the lock changed, for that container only', async () => {
    await publishAmd64();
    await changeADependency(path.join(project, 'generated/amd64/spack-outputs/numpy/spack.lock'));
    const rows = await status('--arch', 'amd64');
    expect(rows.get('amd64/numpy')).toMatchObject({ imageState: 'outdated', sifState: 'outdated', note: expect.stringContaining('not published') });
    expect(rows.get('amd64/hdf5-mpi')).toMatchObject({ imageState: 'current', sifState: 'current' });
  });

  it('answers which containers ship a package', async () => {
    const run = await runCli(['status', '--package', 'openmpi@4.1'], project, env);
    expect(run.stdout).toMatch(/^amd64\/hdf5-mpi: openmpi@4\.1\.6 \/xyi2qqx ~atomics\S* build_system=autotools .*\n1 container\(s\) ship openmpi@4\.1\n$/);
  });
});
