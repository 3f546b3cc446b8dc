import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { git, serveComponentRelease, VERSION } from '../support/component-release.js';
import type { GitServer } from '../support/git-server.js';
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
});
