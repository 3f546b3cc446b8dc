import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../generator/app/project.js';
import { gitlabProject, type GitlabProject } from '../../generator/io/gitlab/client.js';
import { latestRootPipelines, successfulJobRuns } from '../../generator/io/gitlab/durations.js';
import { runCli } from '../support/cli.js';
import { FakeGitlab, TOKEN, type FakeJob } from '../support/gitlab-server.js';
import { ignoreProgress } from '../support/progress.js';
import { REPO_ROOT } from '../support/project.js';

const SETTINGS = path.join(REPO_ROOT, 'settings.yaml');
/** A Spack build job's name as `spack ci generate` writes it. */
const spec = (name: string, hash: string) => `${name} /${hash} %gcc@12.2.0 arch=linux-debian12-x86_64_v3`;
const ZLIB_NEW = spec('zlib@1.3', 'aaaaaaa');
const ZLIB_OLD = spec('zlib@1.2.13', 'bbbbbbb');
const ZLIB_ARM = spec('zlib@1.2.13', 'ccccccc');

/**
 * Two default-branch root pipelines as spacktainers runs them: the root triggers the Spack
 * pipeline (child), which triggers the build children (grandchildren). Between them, enough
 * child pipelines (listed by GitLab with the root's ref) that the older root is on the second
 * page of pipelines, and a grandchild with more jobs than one page holds.
 */
function twoRuns(gitlab: FakeGitlab): void {
  const fillerChildren = Array.from({ length: 120 }, (_, i) => ({ id: 1000 + i, ref: 'main', status: 'success', source: 'parent_pipeline' }));
  gitlab.pipelines.push(
    { id: 400, ref: 'main', status: 'failed' },
    ...fillerChildren,
    { id: 300, ref: 'main', status: 'success', source: 'schedule' },
    { id: 301, ref: 'main', status: 'success', source: 'parent_pipeline' },
    { id: 302, ref: 'main', status: 'success', source: 'parent_pipeline' },
    { id: 303, ref: 'main', status: 'success', source: 'parent_pipeline' },
    { id: 250, ref: 'feature', status: 'success' },
    { id: 200, ref: 'main', status: 'success' },
    { id: 201, ref: 'main', status: 'success', source: 'parent_pipeline' },
    { id: 202, ref: 'main', status: 'success', source: 'parent_pipeline' },
    { id: 100, ref: 'main', status: 'success' },
  );
  gitlab.jobs.set(400, [{ id: 4001, name: spec('zlib@1.3', 'aaaaaaa'), status: 'success', duration: 999 }]);
  gitlab.jobs.set(300, [{ id: 3001, name: 'spack-generate:amd64', status: 'success', duration: 80 }]);
  gitlab.bridges.set(300, [
    { id: 3002, name: 'spack-pipeline:amd64', status: 'success', downstream: { id: 301, status: 'success' } },
    // Not started (the pipeline passed without it): nothing to follow.
    { id: 3003, name: 'spack-pipeline:arm64', status: 'skipped' },
  ]);
  gitlab.jobs.set(301, [{ id: 3101, name: 'collect-child-pipelines', status: 'success', duration: 5 }]);
  gitlab.bridges.set(301, [
    { id: 3102, name: 'spack-build-001', status: 'success', downstream: { id: 302, status: 'success' } },
    { id: 3103, name: 'spack-build-002', status: 'success', downstream: { id: 303, status: 'success' } },
    // Another project's pipeline: not ours to read, though this server would answer.
    { id: 3104, name: 'downstream-project', status: 'success', downstream: { id: 900, status: 'success', project: 77 } },
  ]);
  gitlab.jobs.set(900, [{ id: 9001, name: spec('curl@8.4.0', 'ooooooo'), status: 'success', duration: 10 }]);
  const many: FakeJob[] = Array.from({ length: 130 }, (_, i) => ({
    id: 3200 + i,
    name: spec(`py-pkg${i}@1.0`, `p${String(i).padStart(6, '0')}`),
    status: 'success',
    duration: 60,
  }));
  gitlab.jobs.set(302, [
    ...many,
    { id: 3400, name: ZLIB_NEW, status: 'success', duration: 50.04 },
    { id: 3401, name: 'rebuild-index', status: 'success', duration: 30 },
  ]);
  gitlab.jobs.set(303, [
    { id: 3500, name: ZLIB_OLD, status: 'success', duration: 70 },
    { id: 3501, name: spec('py-numpy@1.26.1', 'nnnnnnn'), status: 'success', duration: 100 },
    { id: 3502, name: spec('hdf5@1.14.3', 'hhhhhhh'), status: 'failed', duration: 5 },
  ]);
  gitlab.bridges.set(200, [{ id: 2002, name: 'spack-pipeline:amd64', status: 'success', downstream: { id: 201, status: 'success' } }]);
  gitlab.bridges.set(201, [{ id: 2102, name: 'spack-build-001', status: 'success', downstream: { id: 202, status: 'success' } }]);
  gitlab.jobs.set(202, [
    // The same spec built in the older pipeline: the newer run's time is kept.
    { id: 2200, name: ZLIB_OLD, status: 'success', duration: 400 },
    { id: 2201, name: ZLIB_ARM, status: 'success', duration: 200 },
    { id: 2202, name: spec('py-numpy@1.25.0', 'mmmmmmm'), status: 'success', duration: 301 },
  ]);
  gitlab.jobs.set(100, [{ id: 1001, name: spec('cmake@3.27.7', 'kkkkkkk'), status: 'success', duration: 500 }]);
}

describe('gitlab durations: build times from the loopback GitLab', () => {
  const gitlab = new FakeGitlab();
  let apiUrl: string;
  let project: GitlabProject;
  let folder: string;

  beforeAll(async () => {
    apiUrl = await gitlab.start();
    folder = await mkdtemp(path.join(tmpdir(), 'spacktainers-durations-'));
  });
  afterAll(async () => {
    await gitlab.stop();
    await rm(folder, { recursive: true, force: true });
  });
  beforeEach(async () => {
    Object.assign(gitlab, { pipelines: [], jobs: new Map(), bridges: new Map(), faults: [], requests: [] });
    twoRuns(gitlab);
    project = gitlabProject(await loadSettings(SETTINGS, {}), gitlab.ciVariables(apiUrl), ignoreProgress, { attempts: 3, baseDelayMs: 1 });
  });

  it('lists pages of pipelines until it has found enough root pipelines of the ref', async () => {
    expect((await latestRootPipelines(project, 'main', 2)).map((p) => p.id)).toEqual([300, 200]);
    const pages = gitlab.requests.filter((r) => r.path.endsWith('/pipelines')).map((r) => r.query.get('page'));
    expect(pages).toEqual(['1', '2']);
    expect((await latestRootPipelines(project, 'main', 10)).map((p) => p.id)).toEqual([300, 200, 100]);
    expect(await latestRootPipelines(project, 'nothing-here', 10)).toEqual([]);
  });

  it('takes the successful jobs of a pipeline and of its children and grandchildren, across job pages', async () => {
    const runs = await successfulJobRuns(project, [300]);
    expect(runs).toHaveLength(1 + 1 + 132 + 2);
    expect(runs.map((r) => r.name)).not.toContain(spec('hdf5@1.14.3', 'hhhhhhh'));
    expect(gitlab.requests.some((r) => r.path.includes('/pipelines/900/'))).toBe(false);
    expect(runs).toContainEqual({ id: 3400, name: ZLIB_NEW, seconds: 50.04 });
    const jobPages = gitlab.requests.filter((r) => r.path.endsWith('/pipelines/302/jobs')).map((r) => r.query.get('page') ?? '1');
    expect(jobPages).toEqual(['1', '2']);
  });

  it('writes each build job its latest time and each package its median, keys sorted', async () => {
    const run = await runCli(['gitlab', 'durations', '--settings', SETTINGS, '--durations', 'durations.json'], folder, gitlab.ciVariables(apiUrl));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('durations: 136 build jobs of 133 packages from 3 pipelines of main (#300, #200, #100), written to durations.json\n');
    const text = await readFile(path.join(folder, 'durations.json'), 'utf8');
    const written = JSON.parse(text) as { jobs: Record<string, number>; packages: Record<string, number> };
    expect(Object.keys(written)).toEqual(['jobs', 'packages']);
    expect(Object.keys(written.jobs)).toEqual(Object.keys(written.jobs).sort());
    expect(written.jobs[ZLIB_OLD]).toBe(70);
    expect(written.jobs[ZLIB_NEW]).toBe(50);
    expect(written.jobs).not.toHaveProperty('rebuild-index');
    expect(written.jobs).not.toHaveProperty('spack-generate:amd64');
    expect(written.packages).toMatchObject({ zlib: 70, 'py-numpy': 200.5, cmake: 500, 'py-pkg7': 60 });
    // The same answers give the same bytes.
    await runCli(['gitlab', 'durations', '--settings', SETTINGS, '--durations', 'again.json'], folder, gitlab.ciVariables(apiUrl));
    expect(await readFile(path.join(folder, 'again.json'), 'utf8')).toBe(text);
  });

  it('reads as many pipelines as asked, of the ref asked', async () => {
    const latest = await runCli(
      ['gitlab', 'durations', '--settings', SETTINGS, '--durations', 'one.json', '--pipelines', '1'],
      folder,
      gitlab.ciVariables(apiUrl),
    );
    expect(latest.stdout).toContain('from 1 pipelines of main (#300)');
    const one = JSON.parse(await readFile(path.join(folder, 'one.json'), 'utf8')) as { jobs: Record<string, number> };
    expect(one.jobs).not.toHaveProperty(ZLIB_ARM);
    const feature = await runCli(
      ['gitlab', 'durations', '--settings', SETTINGS, '--durations', 'f.json', '--ref', 'feature'],
      folder,
      gitlab.ciVariables(apiUrl),
    );
    expect(feature.stdout).toBe('durations: 0 build jobs of 0 packages from 1 pipelines of feature (#250), written to f.json\n');
    const none = await runCli(['gitlab', 'durations', '--settings', SETTINGS, '--durations', 'n.json', '--ref', 'new'], folder, gitlab.ciVariables(apiUrl));
    expect(none.stdout).toBe('durations: 0 build jobs of 0 packages from no successful pipeline of new, written to n.json\n');
    expect(await readFile(path.join(folder, 'n.json'), 'utf8')).toBe('{\n  "jobs": {},\n  "packages": {}\n}\n');
  });

  it('fails in one line: a refused token, a service that keeps failing, a wrong option', async () => {
    const refused = await runCli(['gitlab', 'durations', '--settings', SETTINGS], folder, { ...gitlab.ciVariables(apiUrl), GITLAB_API_TOKEN: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^list the successful pipelines of main: HTTP 401 .*; check the token in the CI variable named by settings gitlab\.tokenVariable\n$/,
    );
    expect(refused.stderr).not.toContain(TOKEN);
    gitlab.faults.push({ pattern: /\/pipelines\/303\/jobs$/, statuses: [503, 503, 503] });
    await expect(successfulJobRuns(project, [300])).rejects.toThrow('list the jobs of pipeline #303: HTTP 503');
    const zero = await runCli(['gitlab', 'durations', '--settings', SETTINGS, '--pipelines', '0'], folder, gitlab.ciVariables(apiUrl));
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--pipelines: must be a whole number above 0, got 0');
  });

  it('--keep-on-failure keeps the earlier file when the API cannot be read, says why, and passes', async () => {
    const keep = (file: string, env: Record<string, string>) =>
      runCli(['gitlab', 'durations', '--settings', SETTINGS, '--keep-on-failure', '--durations', file], folder, env);
    // Collected into a folder that is not there yet, as a CI job's first run finds it.
    const collected = await keep('cache/amd64/durations.json', gitlab.ciVariables(apiUrl));
    expect([collected.code, collected.stderr]).toEqual([0, '']);
    const text = await readFile(path.join(folder, 'cache/amd64/durations.json'), 'utf8');
    // A merge request from a fork: no token.
    const { GITLAB_API_TOKEN: _token, ...noToken } = gitlab.ciVariables(apiUrl);
    const fork = await keep('cache/amd64/durations.json', noToken);
    expect(fork).toEqual({
      code: 0,
      stdout: 'durations: kept cache/amd64/durations.json of an earlier run: 136 build jobs of 133 packages\n',
      stderr: 'durations: not collected: the CI variable GITLAB_API_TOKEN is not set (the GitLab API needs it)\n',
    });
    expect(await readFile(path.join(folder, 'cache/amd64/durations.json'), 'utf8')).toBe(text);
    // A token the API refuses, on a site's first run: nothing to keep.
    const refused = await keep('none.json', { ...gitlab.ciVariables(apiUrl), GITLAB_API_TOKEN: 'wrong' });
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(/^durations: not collected: list the successful pipelines of main: HTTP 401 .*gitlab\.tokenVariable\n$/);
    expect(refused.stdout).toBe('durations: no earlier none.json: the split estimates every build job alike\n');
    expect(refused.stderr + refused.stdout).not.toContain(TOKEN);
    // What the next job's --durations would refuse is not left for it.
    await writeFile(path.join(folder, 'broken.json'), '{"jobs": {}}');
    const broken = await keep('broken.json', noToken);
    expect([broken.code, broken.stdout]).toEqual([
      0,
      'durations: removed the earlier broken.json (broken.json:1:1: packages: is required): the split estimates every build job alike\n',
    ]);
    await expect(readFile(path.join(folder, 'broken.json'), 'utf8')).rejects.toThrow('ENOENT');
    // A wrong settings file or option is the user's to fix: it still fails.
    const settings = await runCli(['gitlab', 'durations', '--keep-on-failure', '--settings', 'nowhere.yaml'], folder, noToken);
    expect(settings.code).toBe(1);
    const zero = await runCli(['gitlab', 'durations', '--keep-on-failure', '--pipelines', '0', '--settings', SETTINGS], folder, noToken);
    expect(zero.code).toBe(2);
  });
});

describe('gitlab durations, then plan and process-spack-pipeline --durations with what it wrote', () => {
  const gitlab = new FakeGitlab();
  const input = path.join(REPO_ROOT, 'examples/spack-outputs/amd64');
  const python = spec('python@3.11.6', 'yynwpjk');
  let folder: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    env = gitlab.ciVariables(await gitlab.start());
    folder = await mkdtemp(path.join(tmpdir(), 'spacktainers-durations-plan-'));
    // The last default-branch run built python (this very spec) and another gmake than the input's.
    gitlab.pipelines.push({ id: 10, ref: 'main', status: 'success' }, { id: 11, ref: 'main', status: 'success', source: 'parent_pipeline' });
    gitlab.bridges.set(10, [{ id: 101, name: 'spack-build:amd64', status: 'success', downstream: { id: 11, status: 'success' } }]);
    gitlab.jobs.set(11, [
      { id: 111, name: python, status: 'success', duration: 3000 },
      { id: 112, name: spec('gmake@4.4', 'ggggggg'), status: 'success', duration: 40 },
    ]);
  });
  afterAll(async () => {
    await gitlab.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('splits and reports by the build times of the loopback GitLab', async () => {
    const collected = await runCli(['gitlab', 'durations', '--settings', SETTINGS, '--durations', 'durations.json'], folder, env);
    expect(collected.stdout).toBe('durations: 2 build jobs of 2 packages from 1 pipelines of main (#10), written to durations.json\n');
    const plan = await runCli(['plan', '--input', input, '--settings', SETTINGS, '--durations', 'durations.json', '--json'], folder);
    expect(plan.stderr).toBe('');
    const estimates = JSON.parse(plan.stdout).estimates;
    expect(estimates.jobs[python]).toEqual({ seconds: 3000, source: 'job' });
    expect(Object.entries(estimates.jobs).find(([name]) => name.startsWith('gmake@'))?.[1]).toEqual({ seconds: 40, source: 'package' });
    expect(estimates.sources).toMatchObject({ job: 1, package: 1 });
    const processed = await runCli(
      ['process-spack-pipeline', '--input', input, '--settings', SETTINGS, '--output', 'out', '--durations', 'durations.json'],
      folder,
    );
    expect([processed.code, processed.stderr]).toEqual([0, '']);
    // What process-spack-pipeline wrote is what plan explained.
    expect(JSON.parse(await readFile(path.join(folder, 'out/plan.json'), 'utf8')).estimates).toEqual(estimates);
  });
});
