import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchSlugCandidates, deletedBranchOf, keptBranches } from '../generator/gitlab/branch-cleanup.js';
import { OciTagStore } from '../generator/registry/tag-store.js';
import { runCli } from './support/cli.js';
import { DockerRegistry } from './support/docker-registry.js';
import { FakeGitlab } from './support/gitlab-server.js';
import { makeProject } from './support/project.js';

describe('which names belong to deleted branches', () => {
  const kept = keptBranches('main', { names: ['main', 'feature/ok', 'fix'], protectedPatterns: ['main', 'release/*'] });

  it('reads the branch slug of a tag or SIF name, both ways when an arch suffix is ambiguous', () => {
    expect(branchSlugCandidates('1.0')).toEqual([]);
    expect(branchSlugCandidates('1.0__gone')).toEqual(['gone']);
    expect(branchSlugCandidates('1.0__gone-arm64')).toEqual(['gone-arm64', 'gone']);
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
  const gitlab = new FakeGitlab();
  const registry = new DockerRegistry();
  let s3: S3rver;
  let s3Url: string;
  let apiUrl: string;
  const client = () => new S3Client({ endpoint: s3Url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

  beforeAll(async () => {
    apiUrl = await gitlab.start();
    await registry.start();
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: await mkdtemp(path.join(tmpdir(), 'spacktainers-s3-')) });
    const { port } = await s3.run();
    s3Url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await gitlab.stop();
    await registry.stop();
    await s3.close();
  });

  it('deletes the tags and SIF files of deleted branches only, dry run first', async () => {
    gitlab.branches = [{ name: 'main', default: true, protected: true }, { name: 'feature/live' }];
    gitlab.protectedBranches = ['main', 'release/*'];
    const repo = 'hpc/spacktainers/base/builder';
    await registry.push(repo, 'latest', 'main build');
    await registry.push(repo, 'latest-arm64', 'main arm build');
    await registry.push(repo, 'latest__feature-live', 'live build');
    await registry.push(repo, 'latest__gone', 'gone build');
    await registry.push(repo, 'latest__gone-arm64', 'gone arm build');
    await registry.push(repo, 'latest__release-1', 'release build');
    await registry.push(repo, 'latest__retagged', 'main build'); // same manifest as `latest`
    const s3client = client();
    await s3client.send(new CreateBucketCommand({ Bucket: 'spacktainers-sif' }));
    for (const key of ['tool/tool-2.1.sif', 'tool/tool-2.1__gone.sif', 'tool/tool-2.1__feature-live-arm64.sif', 'README.txt']) {
      await s3client.send(new PutObjectCommand({ Bucket: 'spacktainers-sif', Key: key, Body: 'sif' }));
    }
    const project = await makeProject({});
    const env = {
      ...gitlab.ciVariables(apiUrl),
      CI_DEFAULT_BRANCH: 'main',
      SPACKTAINERS_S3_ENDPOINT: s3Url,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const args = ['gitlab', 'clean-branches', '--registry-url', registry.url];

    const dry = await runCli([...args, '--dry-run', '--report', 'dry.json'], project, env);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toContain('would delete 2 tags and 1 SIF files of deleted branches (2 branches exist)');
    expect(dry.stdout).toContain('kept hpc/spacktainers/base/builder:latest__retagged: same manifest as latest');
    const store = new OciTagStore(registry.url);
    expect(await store.listTags(repo)).toHaveLength(7);

    const run = await runCli(args, project, env);
    expect(run.stdout).toContain('deleted hpc/spacktainers/base/builder:latest__gone (branch gone)');
    expect(run.stdout).toContain('deleted s3://spacktainers-sif/tool/tool-2.1__gone.sif (branch gone)');
    const report = JSON.parse(await readFile(path.join(project, 'clean-branches.json'), 'utf8'));
    expect(report.deletedTags.map((t: { tag: string }) => t.tag)).toEqual(['latest__gone', 'latest__gone-arm64']);
    expect((await store.listTags(repo)).sort()).toEqual(['latest', 'latest-arm64', 'latest__feature-live', 'latest__release-1', 'latest__retagged']);
    const left = await s3client.send(new ListObjectsV2Command({ Bucket: 'spacktainers-sif' }));
    expect(left.Contents!.map((o) => o.Key).sort()).toEqual(['README.txt', 'tool/tool-2.1.sif', 'tool/tool-2.1__feature-live-arm64.sif']);
    expect(dry.stdout + run.stdout).not.toContain(gitlab.ciVariables(apiUrl).GITLAB_API_TOKEN);
  });
});
