import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { git, serveComponentRelease, VERSION } from '../support/component-release.js';
import type { GitServer } from '../support/git-server.js';
import { FakeGitlab, TOKEN } from '../support/gitlab-server.js';
import { gitlabCiLocal, initGitRepository } from '../support/gitlab-ci-local.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';
import { pipelineJobsOf, type JobBody } from '../support/pipeline-tree.js';
import { REPO_ROOT } from '../support/project.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const GENERATOR_IMAGE = `registry.example.org/hpc/spacktainers/generator:${VERSION}`;
/** The jobs' tools: the generator image's `spacktainers` (this checkout's CLI) first. */
const PATH = [path.join(REPO_ROOT, 'test/support/node-bin'), path.join(REPO_ROOT, 'test/support/gitlab-ci-local-bin'), process.env.PATH].join(':');
/**
 * A user's repository: definitions and settings, and a .gitlab-ci.yml that includes the
 * component by version from the GitLab instance it lives on, once plus once per architecture.
 * ppc64le is an architecture the settings do not have, with no definitions: its jobs exist,
 * switched off by their `exists` rules.
 */
function sampleCiFile(): string {
  const component = (name: string) => `$CI_SERVER_FQDN/hpc/spacktainers/${name}@${VERSION}`;
  return `include:
  - component: ${component('spacktainers')}
    inputs:
      generator-image: ${GENERATOR_IMAGE}
      registry-image: registry.example.org/hpc/spacktainers
  - component: ${component('architecture')}
    inputs:
      arch: amd64
      runner-tags: [site-x86, docker]
      cache-bucket: spack-build-cache
      development-cache-bucket: spack-build-cache-dev
      generate-shards: 2
  - component: ${component('architecture')}
    inputs:
      arch: ppc64le
      runner-tags: [power9]
      cache-bucket: site-cache
      development-cache-bucket: site-cache-dev
      builder-image: images/builder
`;
}

describe('the component included by version from a user repository that holds only definitions and settings', () => {
  let server: GitServer;
  let registry: TestRegistry;
  let sample: string;

  beforeAll(async () => {
    registry = await startRegistry();
    server = await serveComponentRelease();

    sample = await mkdtemp(path.join(tmpdir(), 'spacktainers-sample-'));
    await mkdir(path.join(sample, 'container_definitions/amd64'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'container_definitions/amd64/numpy.yaml'), path.join(sample, 'container_definitions/amd64/numpy.yaml'));
    await cp(path.join(REPO_ROOT, 'settings.yaml'), path.join(sample, 'settings.yaml'));
    await writeFile(path.join(sample, '.gitlab-ci.yml'), sampleCiFile());
    await initGitRepository(sample);
    // gitlab-ci-local fetches a component over HTTP(S) from the host of the project's remote.
    await git(sample, 'remote', 'set-url', 'origin', `${server.url}/hpc/sample.git`);
  });
  afterAll(async () => {
    await server?.stop();
    await registry?.stop();
  });

  const push = { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main' };

  it('gives every architecture its jobs, with its runner tags, images, shards and resource groups', async () => {
    const preview = await gitlabCiLocal(sample, '.gitlab-ci.yml', ['--preview'], push);
    expect(preview.code).toBe(0);
    // Cloned from the git server over HTTP at the release's tag, once per component.
    expect(preview.stderr).toContain(`downloaded hpc/spacktainers ${VERSION} templates/spacktainers`);
    expect(preview.stderr).toContain(`downloaded hpc/spacktainers ${VERSION} templates/architecture`);
    const text = preview.stdout.slice(preview.stdout.indexOf('---'));
    // Both templates, inputs interpolated, are valid against GitLab's own schema.
    expect(gitlabSchemaErrors(text)).toEqual([]);
    expect(text).not.toContain('$[[');
    // Every spacktainers command of the root reads the settings the inputs name (the default here).
    const commands = text.split('\n').filter((line) => line.trim().startsWith('- spacktainers '));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command).toContain('--settings settings.yaml');
    const jobs = pipelineJobsOf(text);
    const job = (name: string): JobBody => jobs.get(name)!;
    expect([...jobs.keys()].sort()).toEqual(
      [
        'create-jobs',
        'base-images',
        'containers',
        'merge-request-note',
        'clean-branches',
        ...['amd64', 'ppc64le'].flatMap((arch) => [
          `spack-generate:${arch}`,
          `spack-durations:${arch}`,
          `process-spack-pipeline:${arch}`,
          `spack-build:${arch}`,
          `clean-cache:production:${arch}`,
          `clean-cache:development:${arch}`,
          `clean-cache:dry-run:production:${arch}`,
          `clean-cache:dry-run:development:${arch}`,
        ]),
      ].sort(),
    );
    for (const name of ['create-jobs', 'merge-request-note', 'clean-branches', 'process-spack-pipeline:ppc64le', 'clean-cache:production:amd64']) {
      expect([name, job(name).image]).toEqual([name, { name: GENERATOR_IMAGE }]);
    }
    expect(parse(text).variables).toMatchObject({
      SPACKTAINERS_REGISTRY_IMAGE: 'registry.example.org/hpc/spacktainers',
      SPACKTAINERS_IMAGES_GENERATOR: GENERATOR_IMAGE,
    });
    expect(job('spack-generate:amd64')).toMatchObject({
      tags: ['site-x86', 'docker'],
      parallel: 2,
      image: { name: '$SPACKTAINERS_REGISTRY_IMAGE/base/builder:$SPACKTAINERS_BASE_TAG-amd64' },
    });
    expect(job('spack-generate:ppc64le')).toMatchObject({
      tags: ['power9'],
      parallel: 4,
      image: { name: '$SPACKTAINERS_REGISTRY_IMAGE/images/builder:$SPACKTAINERS_BASE_TAG-ppc64le' },
      script: ['sh generated/ppc64le/spack-generate.sh'],
    });
    expect(job('process-spack-pipeline:ppc64le').tags).toEqual(['power9']);
    expect(job('clean-cache:development:ppc64le').resource_group).toBe('spack-cache/site-cache-dev/ppc64le');
    expect(job('clean-cache:production:amd64').resource_group).toBe('spack-cache/spack-build-cache/amd64');
    // The build times, collected beside create-jobs on the architecture's runners, kept in the
    // architecture's cache, never failing the pipeline; the split takes them.
    expect(job('spack-durations:ppc64le')).toMatchObject({
      stage: 'generate',
      tags: ['power9'],
      image: { name: GENERATOR_IMAGE },
      allow_failure: true,
      rules: job('process-spack-pipeline:ppc64le').rules,
      variables: { SPACKTAINERS_DURATIONS: 'spack-durations/ppc64le.json' },
      cache: [{ key: 'spacktainers-durations-ppc64le', paths: ['spack-durations/ppc64le.json'], policy: 'pull-push', when: 'on_success' }],
      script: ['spacktainers gitlab durations --keep-on-failure --durations "$SPACKTAINERS_DURATIONS" --settings settings.yaml'],
      artifacts: { paths: ['spack-durations/ppc64le.json'] },
    });
    expect(job('spack-durations:ppc64le')).not.toHaveProperty('needs');
    expect(job('process-spack-pipeline:ppc64le')).toMatchObject({
      needs: [{ job: 'spack-generate:ppc64le' }, { job: 'spack-durations:ppc64le', artifacts: true }],
      variables: { SPACKTAINERS_DURATIONS: 'spack-durations/ppc64le.json' },
    });
    expect(job('spack-build:ppc64le').trigger).toEqual({
      include: [{ artifact: 'generated/ppc64le/spack-pipeline/spack-pipeline.yml', job: 'process-spack-pipeline:ppc64le' }],
      strategy: 'depend',
    });
  });

  it("declares each template's inputs as GitLab's schema wants them", async () => {
    for (const template of ['spacktainers', 'architecture']) {
      const text = await readFile(path.join(REPO_ROOT, 'templates', `${template}.yml`), 'utf8');
      const header = text.slice(0, text.indexOf('\n---\n'));
      expect([template, parse(header)]).toEqual([template, { spec: { inputs: expect.any(Object) } }]);
      expect([template, gitlabSchemaErrors(header)]).toEqual([template, []]);
    }
  });

  it('refuses a version that was not released', async () => {
    const ciFile = sampleCiFile().replaceAll(`@${VERSION}`, '@999.0.0');
    await writeFile(path.join(sample, 'unreleased.yml'), ciFile);
    const preview = await gitlabCiLocal(sample, 'unreleased.yml', ['--preview'], push);
    expect([preview.code, preview.stderr]).toEqual([
      1,
      expect.stringContaining('Component include could not be fetched { project: hpc/spacktainers, ref: 999.0.0'),
    ]);
  });

  it('creates the jobs of the architectures with definitions only', async () => {
    const listed = await gitlabCiLocal(sample, '.gitlab-ci.yml', ['--list-json'], push);
    expect(listed.code).toBe(0);
    const when = Object.fromEntries((JSON.parse(listed.stdout) as { name: string; when: string }[]).map((job) => [job.name, job.when]));
    expect(when).toMatchObject({
      'create-jobs': 'on_success',
      'spack-generate:amd64: [1/2]': 'on_success',
      'spack-generate:amd64: [2/2]': 'on_success',
      'spack-durations:amd64': 'on_success',
      'spack-durations:ppc64le': 'never',
      'process-spack-pipeline:amd64': 'on_success',
      'process-spack-pipeline:ppc64le': 'never',
      'spack-build:ppc64le': 'never',
    });
  });

  it('runs create-jobs, whose generated pipelines run the same generator image', async () => {
    const result = await gitlabCiLocal(
      sample,
      '.gitlab-ci.yml',
      ['--force-shell-executor', 'create-jobs'],
      { ...push, SPACKTAINERS_REGISTRY_HOST: registry.host },
      { env: { ...process.env, PATH, STUB_REPO: REPO_ROOT, STUB_TOOL_LOG: path.join(sample, 'tools.log') } },
    );
    expect([result.code, result.stdout]).toEqual([0, expect.stringMatching(/^ PASS +create-jobs/m)]);
    const containers = pipelineJobsOf(await readFile(path.join(sample, 'generated/spacktainers.yml'), 'utf8'));
    expect(containers.get('container-jobs:amd64')).toMatchObject({
      image: GENERATOR_IMAGE,
      script: ['spacktainers container-jobs --arch amd64 --generated generated'],
    });
    const baseImages = await readFile(path.join(sample, 'generated/base-images.yml'), 'utf8');
    expect(baseImages).toContain(`GENERATOR_IMAGE=${GENERATOR_IMAGE}`);
  });

  it('passes --durations to plan and process-spack-pipeline when spack-durations left a file, and says so when not', async () => {
    const preview = await gitlabCiLocal(sample, '.gitlab-ci.yml', ['--preview'], push);
    expect(preview.code).toBe(0);
    const processJob = pipelineJobsOf(preview.stdout.slice(preview.stdout.indexOf('---'))).get('process-spack-pipeline:amd64')!;
    // The job's script as the runner runs it: its lines in one shell, the generator's CLI a stand-in printing its arguments.
    const folder = await mkdtemp(path.join(tmpdir(), 'spacktainers-process-script-'));
    await mkdir(path.join(folder, 'bin'));
    await writeFile(path.join(folder, 'bin/spacktainers'), '#!/bin/sh\nprintf \'<%s>\' "$@"; echo\n');
    await chmod(path.join(folder, 'bin/spacktainers'), 0o755);
    const runScript = async () => {
      const { stdout } = await promisify(execFile)('sh', ['-ec', (processJob.script as string[]).join('\n')], {
        cwd: folder,
        env: { PATH: `${folder}/bin:${process.env.PATH}`, ...(processJob.variables as Record<string, string>) },
      });
      return stdout.split('\n');
    };
    const [without, plan, processed] = await runScript();
    expect(without).toBe('No build times (spack-durations:amd64 left no spack-durations/amd64.json), so the split estimates every build job alike');
    expect(plan).toMatch(/^<plan><--arch><amd64>.*<--settings><settings\.yaml>$/);
    expect(processed).toMatch(/^<process-spack-pipeline><--arch><amd64>.*<--settings><settings\.yaml>$/);
    await mkdir(path.join(folder, 'spack-durations'));
    await writeFile(path.join(folder, 'spack-durations/amd64.json'), '{"jobs": {}, "packages": {}}\n');
    const withFile = await runScript();
    expect(withFile.slice(0, 3)).toEqual([
      'Build times from spack-durations/amd64.json',
      `${plan}<--durations><spack-durations/amd64.json>`,
      `${processed}<--durations><spack-durations/amd64.json>`,
    ]);
    await rm(folder, { recursive: true, force: true });
  });

  it('runs spack-durations: collects from the GitLab API, and without the token keeps the earlier file and passes', async () => {
    const gitlab = new FakeGitlab();
    const api = gitlab.ciVariables(await gitlab.start());
    gitlab.pipelines.push({ id: 7, ref: 'main', status: 'success' });
    gitlab.jobs.set(7, [{ id: 71, name: 'zlib@1.3 /aaaaaaa %gcc@12.2.0 arch=linux-debian12-x86_64_v3', status: 'success', duration: 42 }]);
    // The job's token is the CI variable given, if any, not one this machine happens to have.
    const { GITLAB_API_TOKEN: _ownToken, ...environment } = process.env;
    const durationsJob = (variables: Record<string, string>) =>
      gitlabCiLocal(
        sample,
        '.gitlab-ci.yml',
        ['--force-shell-executor', 'spack-durations:amd64'],
        { ...push, ...variables },
        {
          env: { ...environment, PATH, STUB_REPO: REPO_ROOT },
        },
      );
    try {
      const { GITLAB_API_TOKEN: _withToken, ...noToken } = api;
      const first = await durationsJob(noToken);
      expect([first.code, first.stdout]).toEqual([0, expect.stringMatching(/^ PASS +spack-durations:amd64/m)]);
      expect(first.stderr).toContain('durations: not collected: the CI variable GITLAB_API_TOKEN is not set (the GitLab API needs it)');
      expect(first.stdout).toContain('durations: no earlier spack-durations/amd64.json: the split estimates every build job alike');
      const collected = await durationsJob({ ...noToken, GITLAB_API_TOKEN: TOKEN });
      expect(collected.stdout).toContain('durations: 1 build jobs of 1 packages from 1 pipelines of main (#7), written to spack-durations/amd64.json');
      expect(JSON.parse(await readFile(path.join(sample, 'spack-durations/amd64.json'), 'utf8')).packages).toEqual({ zlib: 42 });
      // The shell executor keeps the project folder, as the cache restores the file to a later run.
      const kept = await durationsJob(noToken);
      expect([kept.code, kept.stdout]).toEqual([
        0,
        expect.stringContaining('durations: kept spack-durations/amd64.json of an earlier run: 1 build jobs of 1 packages'),
      ]);
      for (const run of [first, collected, kept]) expect(run.stdout + run.stderr).not.toContain(TOKEN);
    } finally {
      await gitlab.stop();
      await rm(path.join(sample, 'spack-durations'), { recursive: true, force: true });
    }
  });
});
