import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactFiles, latestSuccessfulPipeline } from '../../generator/io/gitlab/artifacts.js';
import { gitlabProject, type GitlabProject } from '../../generator/io/gitlab/client.js';
import { loadSettings } from '../../generator/app/project.js';
import { artifactsZip, FakeGitlab, TOKEN } from '../support/gitlab-server.js';
import { collectedProgress } from '../support/progress.js';
import { REPO_ROOT } from '../support/project.js';

const lockText = (env: string) => readFileSync(path.join(REPO_ROOT, 'fixtures/spack', env, 'spack.lock'));
const isLock = (file: string) => file.endsWith('/spack.lock');

describe('GitLab artifacts of other pipelines', () => {
  const gitlab = new FakeGitlab();
  let apiUrl: string;
  let project: GitlabProject;
  let progress: ReturnType<typeof collectedProgress>;

  beforeAll(async () => {
    apiUrl = await gitlab.start();
  });
  afterAll(() => gitlab.stop());

  beforeEach(async () => {
    Object.assign(gitlab, { pipelines: [], jobs: new Map(), bridges: new Map(), faults: [], requests: [] });
    const settings = await loadSettings(path.join(REPO_ROOT, 'settings.yaml'), {});
    progress = collectedProgress();
    project = gitlabProject(settings, gitlab.ciVariables(apiUrl), progress.log, { attempts: 4, baseDelayMs: 1 });
    gitlab.pipelines.push(
      { id: 300, ref: 'main', status: 'failed' },
      { id: 200, ref: 'main', status: 'success' },
      { id: 250, ref: 'feature', status: 'success' },
      { id: 100, ref: 'main', status: 'success' },
      { id: 201, ref: 'main', status: 'success', source: 'parent_pipeline' },
    );
    // 245 jobs: three pages of 100, the generate shards on the last one.
    const filler = Array.from({ length: 241 }, (_, i) => ({ id: 5000 + i, name: `filler-${i}`, status: 'success' }));
    gitlab.jobs.set(200, [
      ...filler,
      {
        id: 2101,
        name: 'spack-generate:amd64 1/2',
        status: 'success',
        archive: artifactsZip({
          'generated/amd64/spack-outputs/small/spack.lock': lockText('small'),
          'generated/amd64/spack-outputs/small/pipeline.yml': 'x: 1',
        }),
      },
      {
        id: 2102,
        name: 'spack-generate:amd64 2/2',
        status: 'success',
        archive: artifactsZip({ 'generated/amd64/spack-outputs/mpi/spack.lock': lockText('mpi') }),
      },
      { id: 2103, name: 'spack-generate:arm64', status: 'success', artifactsExpireAt: '2024-05-08T12:00:00.000Z' },
      { id: 2105, name: 'spack-generate:arm64-empty-shard', status: 'success' },
      { id: 2104, name: 'spack-generate:amd64-extra', status: 'failed' },
    ]);
    gitlab.bridges.set(200, [{ id: 2200, name: 'containers', status: 'success', downstream: { id: 201, status: 'success' } }]);
    gitlab.jobs.set(201, [
      {
        id: 2301,
        name: 'container-jobs:amd64',
        status: 'success',
        archive: artifactsZip({ 'generated/amd64/containers/containers.yml': 'stages: [publish]\n' }),
      },
    ]);
  });

  it('finds the latest successful pipeline of the default branch', async () => {
    expect(await latestSuccessfulPipeline(project, 'main')).toEqual({ id: 200, webUrl: 'https://gitlab.example.org/hpc/spacktainers/-/pipelines/200' });
  });

  it('takes the spack.lock files out of every instance of a parallel job, across job pages', async () => {
    const files = await artifactFiles(project, 200, { bridges: [], job: 'spack-generate:amd64' }, isLock);
    expect(files.map((f) => [f.job, f.path])).toEqual([
      ['spack-generate:amd64 1/2', 'generated/amd64/spack-outputs/small/spack.lock'],
      ['spack-generate:amd64 2/2', 'generated/amd64/spack-outputs/mpi/spack.lock'],
    ]);
    expect(Buffer.from(files[0]!.content).equals(lockText('small'))).toBe(true);
    const jobPages = gitlab.requests.filter((r) => r.path.endsWith('/pipelines/200/jobs')).map((r) => r.query.get('page') ?? '1');
    expect(jobPages).toEqual(['1', '2', '3']);
  });

  it('follows a trigger job to its child pipeline', async () => {
    const files = await artifactFiles(project, 200, { bridges: ['containers'], job: 'container-jobs:amd64' }, () => true);
    expect(files.map((f) => [f.pipelineId, f.path])).toEqual([[201, 'generated/amd64/containers/containers.yml']]);
  });

  it('retries 429 and 5xx answers with backoff', async () => {
    gitlab.faults.push({ pattern: /\/pipelines\/200\/jobs$/, statuses: [503, 429, 500] });
    gitlab.faults.push({ pattern: /\/jobs\/2101\/artifacts$/, statuses: [502] });
    const files = await artifactFiles(project, 200, { bridges: [], job: 'spack-generate:amd64' }, isLock);
    expect(files).toHaveLength(2);
    expect(gitlab.requests.filter((r) => r.path.endsWith('/jobs/2101/artifacts'))).toHaveLength(2);
    // Gitbeaker retries the 429 and the 502 itself, without a word; ours are the 503 and the 500.
    expect(progress.lines).toEqual([
      expect.stringMatching(/^list the jobs of pipeline #200: attempt 1\/4 failed \(HTTP 503 injected fault\); retrying in \d+\.\d s$/),
      expect.stringMatching(/^list the jobs of pipeline #200: attempt 2\/4 failed \(HTTP 500 injected fault\); retrying in \d+\.\d s$/),
    ]);
  });

  it('gives up after the last attempt, naming the call', async () => {
    gitlab.faults.push({ pattern: /\/pipelines\/200\/bridges$/, statuses: [503, 503, 503, 503] });
    await expect(artifactFiles(project, 200, { bridges: ['containers'], job: 'x' }, isLock)).rejects.toThrow(
      'list the trigger jobs of pipeline #200: HTTP 503',
    );
  });

  it('names the pipeline and job when an artifacts archive is missing or expired', async () => {
    gitlab.faults.push({ pattern: /\/jobs\/2102\/artifacts$/, statuses: [404] });
    await expect(artifactFiles(project, 200, { bridges: [], job: 'spack-generate:amd64' }, isLock)).rejects.toThrow(
      'download the artifacts of job "spack-generate:amd64 2/2" (#2102) of pipeline #200: the job has no artifacts archive',
    );
    await expect(artifactFiles(project, 200, { bridges: [], job: 'spack-generate:arm64' }, isLock)).rejects.toThrow(
      'the artifacts of job "spack-generate:arm64" (#2103) of pipeline #200 expired at 2024-05-08T12:00:00.000Z',
    );
    // A shard whose paths matched nothing uploaded no archive: nothing to take, no error.
    expect(await artifactFiles(project, 200, { bridges: [], job: 'spack-generate:arm64-empty-shard' }, isLock)).toEqual([]);
  });

  it('names a missing or failed job, and a child pipeline still running', async () => {
    await expect(artifactFiles(project, 200, { bridges: [], job: 'spack-generate:ppc64le' }, isLock)).rejects.toThrow(
      'pipeline #200 has no job "spack-generate:ppc64le"',
    );
    await expect(artifactFiles(project, 200, { bridges: [], job: 'spack-generate:amd64-extra' }, isLock)).rejects.toThrow(
      'job "spack-generate:amd64-extra" (#2104) of pipeline #200 is failed, not success',
    );
    gitlab.bridges.set(200, [{ id: 2200, name: 'containers', status: 'running', downstream: { id: 201, status: 'running' } }]);
    await expect(artifactFiles(project, 200, { bridges: ['containers'], job: 'container-jobs:amd64' }, isLock)).rejects.toThrow(
      'child pipeline #201 of trigger job "containers" (pipeline #200) is still running',
    );
    await expect(artifactFiles(project, 200, { bridges: ['spack-build'], job: 'x' }, isLock)).rejects.toThrow('pipeline #200 has no trigger job "spack-build"');
  });

  it('sends the token only as a header, and fails clearly without one', async () => {
    await latestSuccessfulPipeline(project, 'main');
    expect(gitlab.requests.every((r) => !r.query.toString().includes(TOKEN))).toBe(true);
    const settings = await loadSettings(path.join(REPO_ROOT, 'settings.yaml'), {});
    expect(() => gitlabProject(settings, { CI_API_V4_URL: apiUrl, CI_PROJECT_ID: '42' }, progress.log)).toThrow('the CI variable GITLAB_API_TOKEN is not set');
  });
});
