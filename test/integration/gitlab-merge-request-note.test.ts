import { cp, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerChanges, NOTE_MARKER, renderMergeRequestNote } from '../../generator/gitlab/merge-request-note.js';
import { parseSpackLock } from '../../generator/spack/lock.js';
import { loadSpackOutputs } from '../../generator/app/spack-files.js';
import { runCli } from '../support/cli.js';
import { artifactsZip, FakeGitlab, TOKEN } from '../support/gitlab-server.js';
import { makeProject, REPO_ROOT } from '../support/project.js';

const fixture = (env: string, file: string) => path.join(REPO_ROOT, 'fixtures/spack', env, file);
const lockOf = async (env: string) => parseSpackLock(env, await readFile(fixture(env, 'spack.lock'), 'utf8'));

/** A merge-request pipeline's variables: merge request `iid` of branch feature at a commit of `shaDigit`s, into main. */
const mergeRequestEnv = (api: Record<string, string>, iid: string, shaDigit: string, extra: Record<string, string> = {}) => ({
  ...api,
  CI_MERGE_REQUEST_IID: iid,
  CI_COMMIT_REF_NAME: 'feature',
  CI_COMMIT_SHA: shaDigit.repeat(40),
  CI_DEFAULT_BRANCH: 'main',
  ...extra,
});

/**
 * This branch's generate outputs, from the real fixtures: `small` unchanged and fully cached
 * (pipeline-noop.yml), `medium` new with half its specs cached (pipeline-partial.yml), and `app`
 * moved from the medium environment to the mpi one (every mpi spec built).
 */
async function branchOutputs(project: string): Promise<void> {
  const outputs = [
    ['small', 'small', 'pipeline-noop.yml'],
    ['medium', 'medium', 'pipeline-partial.yml'],
    ['app', 'mpi', 'pipeline.yml'],
  ];
  for (const [name, env, pipeline] of outputs) {
    const dir = path.join(project, 'generated/amd64/spack-outputs', name!);
    await mkdir(dir, { recursive: true });
    await cp(fixture(env!, 'spack.lock'), path.join(dir, 'spack.lock'));
    await cp(fixture(env!, pipeline!), path.join(dir, 'pipeline.yml'));
  }
}

describe('merge-request note: what changes per container', () => {
  it('diffs packages, says why containers are rebuilt and counts build jobs against the cache', async () => {
    const project = await mkdtemp(path.join(tmpdir(), 'spacktainers-note-'));
    await branchOutputs(project);
    const outputs = await loadSpackOutputs(path.join(project, 'generated'), 'amd64');
    const defaults = new Map([
      ['small', await lockOf('small')],
      ['app', await lockOf('medium')],
      ['old', await lockOf('small')],
    ]);
    const changes = containerChanges('amd64', outputs, defaults);
    const byName = Object.fromEntries(changes.map((c) => [c.name, c]));
    expect(changes.map((c) => [c.name, c.status])).toEqual([
      ['app', 'changed'],
      ['medium', 'new'],
      ['old', 'removed'],
      ['small', 'unchanged'],
    ]);
    expect(byName.small).toMatchObject({ packages: [], buildJobs: 0, fromCache: 16 });
    expect(byName.medium).toMatchObject({ buildJobs: 19, fromCache: 19, reasons: ['new container', '19 specs not in the build cache are built from source'] });
    expect(byName.app!.buildJobs).toBe(41);
    expect(byName.app!.packages).toContainEqual({ name: 'py-numpy', before: ['1.26.1'], after: [] });
    expect(byName.app!.packages).toContainEqual({ name: 'openmpi', before: [], after: ['4.1.6'] });
    expect(byName.old!.reasons).toEqual(['no longer defined on this branch']);

    const compared = new Map([['amd64', { pipeline: { id: 200, webUrl: 'https://g/p/200' } }]] as const);
    const note = renderMergeRequestNote(changes, { defaultBranch: 'main', compared, pipelineUrl: 'https://g/p/300', commitSha: 'abcdef0123456789' });
    expect(note.startsWith(NOTE_MARKER)).toBe(true);
    expect(note).toContain('Compared with [pipeline #200](https://g/p/200) of `main`.');
    expect(note).toContain('| medium | 🆕 new | new container; 19 specs not in the build cache are built from source | 38 / 0 / 0 | 19 | 19 |');
    expect(note).toContain('+ openmpi@4.1.6');
    expect(note).toContain('- py-numpy@1.26.1');
    expect(note).toContain('60 build jobs run on amd64');
  });
});

describe('gitlab merge-request-note command', () => {
  // Each test gets its own GitLab: none sees another's pipelines, jobs or notes.
  let gitlab: FakeGitlab;
  let apiUrl: string;
  beforeEach(async () => {
    gitlab = new FakeGitlab();
    apiUrl = await gitlab.start();
  });
  afterEach(() => gitlab.stop());

  it('posts one note, then updates it in place', async () => {
    const project = await makeProject({});
    await branchOutputs(project);
    gitlab.pipelines.push({ id: 200, ref: 'main', status: 'success' }, { id: 210, ref: 'main', status: 'success', source: 'parent_pipeline' });
    gitlab.jobs.set(200, [
      {
        id: 1,
        name: 'spack-generate:amd64 1/2',
        status: 'success',
        archive: artifactsZip({ 'generated/amd64/spack-outputs/small/spack.lock': await readFile(fixture('small', 'spack.lock')) }),
      },
      {
        id: 2,
        name: 'spack-generate:amd64 2/2',
        status: 'success',
        archive: artifactsZip({ 'generated/amd64/spack-outputs/app/spack.lock': await readFile(fixture('medium', 'spack.lock')) }),
      },
      { id: 3, name: 'spack-generate:arm64 1/2', status: 'success' },
      { id: 4, name: 'spack-generate:arm64 2/2', status: 'success' },
    ]);
    gitlab.notes.set(7, [
      { id: 1, body: 'Looks good', system: false, author: 'alice' },
      { id: 2, body: `mentioned in commit ${NOTE_MARKER}`, system: true, author: 'alice' },
    ]);
    const env = mergeRequestEnv(gitlab.ciVariables(apiUrl), '7', 'f', { CI_PIPELINE_URL: 'https://gitlab.example.org/p/300' });

    const first = await runCli(['gitlab', 'merge-request-note'], project, env);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/note 1000 created on !7 \(3 containers; amd64: pipeline #200, arm64: pipeline #200\)/);
    const second = await runCli(['gitlab', 'merge-request-note'], project, env);
    expect(second.stdout).toMatch(/note 1000 updated on !7/);
    const notes = gitlab.notes.get(7)!;
    expect(notes.filter((n) => n.body.includes(NOTE_MARKER) && !n.system)).toHaveLength(1);
    expect(notes.find((n) => n.id === 1000)!.body).toContain('| app | 🔁 rebuilt |');
    expect(first.stdout + second.stdout).not.toContain(TOKEN);

    const dry = await runCli(['gitlab', 'merge-request-note', '--dry-run'], project, env);
    expect(dry.stdout).toContain('### spacktainers: what this merge request changes');
    expect(gitlab.notes.get(7)).toHaveLength(3);
  });

  it('compares each architecture with the newest default-branch pipeline that ran its generate jobs, and says what it could not compare', async () => {
    const project = await makeProject({});
    await branchOutputs(project);
    // Newest first: a scheduled clean-branches pipeline (no generate jobs), a child pipeline,
    // then the build pipeline of an older commit, which ran amd64 only.
    gitlab.pipelines.push(
      { id: 400, ref: 'main', status: 'success' },
      { id: 430, ref: 'main', status: 'success', source: 'parent_pipeline' },
      { id: 440, ref: 'main', status: 'success', source: 'schedule' },
    );
    gitlab.jobs.set(400, [
      {
        id: 41,
        name: 'spack-generate:amd64 1/1',
        status: 'success',
        archive: artifactsZip({ 'generated/amd64/spack-outputs/small/spack.lock': await readFile(fixture('small', 'spack.lock')) }),
      },
    ]);
    gitlab.jobs.set(430, [{ id: 43, name: 'spack-generate:arm64 1/1', status: 'success' }]);
    gitlab.jobs.set(440, [{ id: 44, name: 'clean-branches', status: 'success' }]);
    const env = mergeRequestEnv(gitlab.ciVariables(apiUrl), '8', 'e');
    const run = await runCli(['gitlab', 'merge-request-note'], project, env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/on !8 \(3 containers; amd64: pipeline #400, arm64: not compared\)/);
    const note = gitlab.notes.get(8)![0]!.body;
    expect(note).toContain('Compared with [pipeline #400](https://gitlab.example.org/hpc/spacktainers/-/pipelines/400) of `main`.');
    expect(note).toContain('| small | ✅ unchanged |');
    expect(note).toContain('Not compared with `main`: no job "spack-generate:arm64": none of the latest 2 successful pipelines of main ran it.');
    // Only the latest 20 pipelines of the default branch are searched.
    const listed = gitlab.requests.filter((r) => r.path.endsWith('/pipelines') && r.query.get('ref') === 'main');
    expect(listed.at(-1)!.query.get('per_page')).toBe('20');

    // Expired artifacts: that architecture is not compared, the note is still posted.
    gitlab.jobs.get(400)![0]!.archive = undefined;
    gitlab.jobs.get(400)![0]!.artifactsExpireAt = '2024-01-01T00:00:00Z';
    const expired = await runCli(['gitlab', 'merge-request-note', '--dry-run'], project, env);
    expect(expired.code).toBe(0);
    expect(expired.stdout).toContain(
      'Not compared with `main`: the artifacts of job "spack-generate:amd64 1/1" (#41) of pipeline #400 expired at 2024-01-01T00:00:00Z.',
    );
    expect(expired.stdout).toContain(
      '| small | ❔ not compared | not compared with the default branch; every spec from the build cache | 0 / 0 / 0 | 0 | 16 |',
    );
  });

  it('posts the note when no default-branch pipeline ran any generate job', async () => {
    const project = await makeProject({});
    await branchOutputs(project);
    const quiet = new FakeGitlab();
    const url = await quiet.start();
    try {
      quiet.pipelines.push({ id: 500, ref: 'main', status: 'success', source: 'schedule' });
      quiet.jobs.set(500, [{ id: 51, name: 'clean-branches', status: 'success' }]);
      const env = mergeRequestEnv(quiet.ciVariables(url), '9', 'd');
      const run = await runCli(['gitlab', 'merge-request-note'], project, env);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/on !9 \(3 containers; amd64: not compared, arm64: not compared\)/);
      const note = quiet.notes.get(9)![0]!.body;
      expect(note).toContain(
        '#### amd64\n\nNot compared with `main`: no job "spack-generate:amd64": none of the latest 1 successful pipelines of main ran it.',
      );
      expect(note).toContain('#### arm64\n\nNot compared with `main`: no job "spack-generate:arm64"');
      expect(note).toContain(
        '| medium | ❔ not compared | not compared with the default branch; 19 specs not in the build cache are built from source | 0 / 0 / 0 | 19 | 19 |',
      );
    } finally {
      await quiet.stop();
    }
  });

  it('fails clearly outside a merge-request pipeline', async () => {
    const project = await makeProject({});
    const run = await runCli(['gitlab', 'merge-request-note'], project, { ...gitlab.ciVariables(apiUrl), CI_DEFAULT_BRANCH: 'main' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CI_MERGE_REQUEST_IID is not set');
  });
});
