import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerRelease, containerVersion } from '../../generator/containers/container-release.js';
import { branchSlugCandidates, deletedBranchOf, keptBranches } from '../../generator/gitlab/branch-cleanup.js';
import { loadProject } from '../../generator/app/project.js';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { runCli } from '../support/cli.js';
import { FakeGitlab } from '../support/gitlab-server.js';
import { makeProject } from '../support/project.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../support/registry.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { ignoreProgress } from '../support/progress.js';

describe('which names belong to deleted branches', () => {
  const kept = keptBranches('main', { names: ['main', 'feature/ok', 'fix'], protectedPatterns: ['main', 'release/*'] }, ['arm64']);

  it('reads the branch slug of a tag or SIF name, both ways when an arch suffix is ambiguous', () => {
    expect(branchSlugCandidates('1.0', ['arm64'])).toEqual([]);
    expect(branchSlugCandidates('1.0__gone', ['arm64'])).toEqual(['gone']);
    expect(branchSlugCandidates('1.0__gone-arm64', ['arm64'])).toEqual(['gone-arm64', 'gone']);
  });

  it('never picks the default branch, an existing branch, or one a protection rule matches', () => {
    expect(deletedBranchOf('1.0', kept)).toBeUndefined();
    expect(deletedBranchOf('1.0-arm64', kept)).toBeUndefined();
    expect(deletedBranchOf('1.0__main', kept)).toBeUndefined();
    expect(deletedBranchOf('1.0__feature-ok-arm64', kept)).toBeUndefined();
    expect(deletedBranchOf('1.0__fix-arm64', kept)).toBeUndefined();
    expect(deletedBranchOf('1.0__release-2024', kept)).toBeUndefined();
    expect(deletedBranchOf('1.0__gone-arm64', kept)).toBe('gone');
    expect(deletedBranchOf('1.0__gone', kept)).toBe('gone');
  });
});

describe('gitlab clean-branches against docker-registry and s3rver', () => {
  let gitlab: FakeGitlab;
  let registry: TestRegistry;
  let s3: TestS3;
  let apiUrl: string;
  const ciVariables = () => ({
    ...gitlab.ciVariables(apiUrl),
    CI_DEFAULT_BRANCH: 'main',
    SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });

  // Each test gets its own servers: none sees the tags, SIF files or branches of another.
  beforeEach(async () => {
    gitlab = new FakeGitlab();
    apiUrl = await gitlab.start();
    [registry, s3] = await Promise.all([startRegistry(), startS3({ buckets: ['spacktainers-sif'] })]);
  });
  afterEach(async () => {
    await gitlab.stop();
    await Promise.all([registry?.stop(), s3?.stop()]);
  });

  it('deletes the tags and SIF files of deleted branches only, dry run first', async () => {
    gitlab.branches = [{ name: 'main', default: true, protected: true }, { name: 'feature/live' }];
    gitlab.protectedBranches = ['main', 'release/*'];
    const repo = 'hpc/spacktainers/base/builder';
    await pushTestImage(registry.endpoint, repo, 'latest', { content: 'main build' });
    await pushTestImage(registry.endpoint, repo, 'latest-arm64', { content: 'main arm build' });
    await pushTestImage(registry.endpoint, repo, 'latest__feature-live', { content: 'live build' });
    await pushTestImage(registry.endpoint, repo, 'latest__gone', { content: 'gone build' });
    await pushTestImage(registry.endpoint, repo, 'latest__gone-arm64', { content: 'gone arm build' });
    await pushTestImage(registry.endpoint, repo, 'latest__release-1', { content: 'release build' });
    await pushTestImage(registry.endpoint, repo, 'latest__retagged', { content: 'main build' }); // same manifest as `latest`
    const s3client = s3.client;
    for (const key of ['tool/tool-2.1.sif', 'tool/tool-2.1__gone.sif', 'tool/tool-2.1__feature-live-arm64.sif', 'README.txt']) {
      await s3client.send(new PutObjectCommand({ Bucket: 'spacktainers-sif', Key: key, Body: 'sif' }));
    }
    const project = await makeProject({});
    const env = ciVariables();
    const args = ['gitlab', 'clean-branches', '--registry-url', registry.endpoint];

    const dry = await runCli([...args, '--dry-run', '--report', 'dry.json'], project, env);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toContain('would delete 2 tags and 1 SIF files of deleted branches (2 branches exist)');
    expect(dry.stdout).toContain('kept hpc/spacktainers/base/builder:latest__retagged: same manifest as latest');
    const store = new RegistryClient(registry.host, ignoreProgress);
    expect(await store.tags(repo)).toHaveLength(7);

    const run = await runCli(args, project, env);
    expect(run.stdout).toContain('deleted hpc/spacktainers/base/builder:latest__gone (branch gone)');
    expect(run.stdout).toContain('deleted s3://spacktainers-sif/tool/tool-2.1__gone.sif (branch gone)');
    const report = JSON.parse(await readFile(path.join(project, 'clean-branches.json'), 'utf8'));
    expect(report.deletedTags.map((t: { tag: string }) => t.tag)).toEqual(['latest__gone', 'latest__gone-arm64']);
    expect((await store.tags(repo))!.sort()).toEqual(['latest', 'latest-arm64', 'latest__feature-live', 'latest__release-1', 'latest__retagged']);
    const left = await s3client.send(new ListObjectsV2Command({ Bucket: 'spacktainers-sif' }));
    expect(left.Contents!.map((o) => o.Key).sort()).toEqual(['README.txt', 'tool/tool-2.1.sif', 'tool/tool-2.1__feature-live-arm64.sif']);
    expect(dry.stdout + run.stdout).not.toContain(gitlab.ciVariables(apiUrl).GITLAB_API_TOKEN);
  });

  it('finds the SIF `sif upload` stored under a branch tag and deletes it once the branch is gone', async () => {
    // A container name may hold `__` too: only the tag part of the key says which branch it is.
    const project = await makeProject({ 'arm64/my__tool.def': 'Bootstrap: docker\nFrom: docker.io/library/ubuntu:10\n' });
    /** The key the generated SIF job of `my__tool` passes to `sif upload`, and that upload itself. */
    const upload = async (ci: Record<string, string>) => {
      const { settings, definitions, context } = await loadProject(path.join(project, 'container_definitions'), path.join(project, 'settings.yaml'), ci);
      const definition = definitions.definitions.find((d) => d.name === 'my__tool')!;
      const { sifKey } = containerRelease(settings, context, definition, containerVersion(definition, undefined), '', project);
      await writeFile(path.join(project, 'my__tool.sif'), `SIF of ${sifKey}`);
      const run = await runCli(['sif', 'upload', '--file', 'my__tool.sif', '--key', sifKey], project, ci);
      expect(run.stderr).toBe('');
      return sifKey;
    };
    const onBranch = await upload({ ...ciVariables(), CI_COMMIT_REF_NAME: 'feature/Short-lived' });
    const onMain = await upload(ciVariables());
    expect([onBranch, onMain]).toEqual(['my__tool/my__tool-10__feature-short-lived-arm64.sif', 'my__tool/my__tool-10-arm64.sif']);

    gitlab.branches = [{ name: 'main', default: true, protected: true }];
    gitlab.protectedBranches = ['main'];
    const run = await runCli(['gitlab', 'clean-branches', '--registry-url', registry.endpoint], project, ciVariables());
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`deleted s3://spacktainers-sif/${onBranch} (branch feature-short-lived)`);
    const left = await s3.client.send(new ListObjectsV2Command({ Bucket: 'spacktainers-sif', Prefix: 'my__tool/' }));
    expect(left.Contents!.map((o) => o.Key)).toEqual([onMain]);
  });

  it('deletes a manifest once when several tags of deleted branches point to it', async () => {
    gitlab.branches = [{ name: 'main', default: true, protected: true }];
    gitlab.protectedBranches = ['main'];
    const repo = 'hpc/spacktainers/base/runtime';
    await pushTestImage(registry.endpoint, repo, 'latest', { content: 'main runtime' });
    await pushTestImage(registry.endpoint, repo, 'latest__old-a', { content: 'old runtime' });
    await pushTestImage(registry.endpoint, repo, 'latest__old-b', { content: 'old runtime' });
    const project = await makeProject({});
    const run = await runCli(['gitlab', 'clean-branches', '--registry-url', registry.endpoint], project, ciVariables());
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`deleted ${repo}:latest__old-a (branch old-a)`);
    expect(run.stdout).toContain(`deleted ${repo}:latest__old-b (branch old-b)`);
    expect(await new RegistryClient(registry.host, ignoreProgress).tags(repo)).toEqual(['latest']);
  });
});
