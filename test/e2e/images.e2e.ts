import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseImageRef, INPUT_CHECKSUM_LABEL } from '../../generator/containers/base-images.js';
import { ciContext } from '../../generator/pipeline/ci-context.js';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { parseImageReference } from '../../generator/io/registry/reference.js';
import { loadSettings } from '../../generator/app/project.js';
import { BASE_IMAGES, type BaseImageName } from '../../generator/settings/settings.js';
import { runCli } from '../support/cli.js';
import { makeProject } from '../support/project.js';
import { pipelineJobs } from '../support/publish-jobs.js';
import { pushTestImage } from '../support/registry.js';
import { defaultCacheDir, prepareImages, type PreparedImages } from './support/images.js';
import { buildah } from './support/buildah.js';
import { ignoreProgress } from '../support/progress.js';

interface GeneratedJob {
  script?: string[];
  variables?: Record<string, string>;
}

/**
 * Run one generated job's script as GitLab's shell executor would: bash, stopping at the first
 * failing line, with the job's variables; its output goes to `log`.
 */
function runJob(job: GeneratedJob, cwd: string, env: Record<string, string>, log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log);
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', (job.script ?? []).join('\n')], {
      cwd,
      env: { ...process.env, ...env, ...job.variables },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('exit', (code) => {
      out.end();
      if (code === 0) resolve();
      else readFile(log, 'utf8').then((text) => reject(new Error(`job failed (${code}), log ${log}:\n${text.slice(-4000)}`)), reject);
    });
  });
}

describe('base images: the generated jobs build them for real on this machine, once per cache', () => {
  let images: PreparedImages;
  let project: string;
  let output: string;
  let env: Record<string, string>;
  /** Each base image's amd64 image and multi-arch list, as the generated jobs name them. */
  let refs: Record<BaseImageName, string>;
  let lists: Record<BaseImageName, string>;
  let registryPath: string;
  const logs = path.join(defaultCacheDir(), 'logs');

  const createJobs = async () => {
    const run = await runCli(['create-jobs', '--output', 'generated'], project, env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return pipelineJobs(await readFile(path.join(output, 'base-images.yml'), 'utf8')) as Record<string, GeneratedJob>;
  };

  beforeAll(async () => {
    images = await prepareImages({ log: (line) => console.log(`prepare: ${line}`) });
    await images.removeContainerRepositories();
    // One amd64 definition: the base images of amd64 only, the architecture of this machine.
    project = await makeProject({ 'amd64/zlib.yaml': 'spack:\n  specs:\n  - zlib\n' });
    output = path.join(project, 'generated');
    env = { ...images.env, ...images.settingsOverrides, CI_REGISTRY_USER: 'e2e', CI_REGISTRY_PASSWORD: 'e2e' };
    await mkdir(logs, { recursive: true });
    const settings = await loadSettings(path.join(project, 'settings.yaml'), env);
    const context = ciContext(settings, {});
    registryPath = settings.registry.path;
    const named = (arch?: 'amd64') => Object.fromEntries(BASE_IMAGES.map((name) => [name, baseImageRef(settings, context, name, arch)]));
    refs = named('amd64') as Record<BaseImageName, string>;
    lists = named() as Record<BaseImageName, string>;
  });
  afterAll(async () => images?.stop());

  it('builds and pushes builder, runtime and singularitah, then create-jobs finds them unchanged', async () => {
    const jobs = await createJobs();
    // The whole base-image pipeline: the builds (stage build), then the manifests.
    const run = [
      ...Object.entries(jobs).filter(([name]) => name.startsWith('base-image:')),
      ...Object.entries(jobs).filter(([name]) => name.startsWith('base-image-manifest:')),
    ];
    expect(run.map(([name]) => name).filter((name) => name.includes('arm64'))).toEqual([]);
    console.log(`base-image jobs to run: ${run.map(([name]) => name).join(', ') || 'none (cached)'}`);
    const checksums = new Map<string, string>();
    for (const [name, job] of run) {
      const build = job.script!.find((line) => line.startsWith('buildah build '));
      if (build) checksums.set(name.split(':')[2]!, /org\.spacktainers\.input-checksum=(sha256:[0-9a-f]+)/.exec(build)![1]!);
      const started = Date.now();
      await runJob(job, project, { ...env, CI_COMMIT_SHA: '0'.repeat(40) }, path.join(logs, `${name.replace(/:/g, '_')}.log`));
      console.log(`${name}: ${Math.round((Date.now() - started) / 1000)} s`);
    }

    const registry = new RegistryClient(images.registry.host, ignoreProgress);
    for (const name of BASE_IMAGES) {
      const { repository, reference } = parseImageReference(refs[name]);
      const published = await registry.image(repository, reference, 'amd64');
      expect(published, name).toBeDefined();
      expect(published!.labels[INPUT_CHECKSUM_LABEL]).toMatch(/^sha256:/);
      if (checksums.has(name)) expect(published!.labels[INPUT_CHECKSUM_LABEL]).toBe(checksums.get(name));
      const list = parseImageReference(lists[name]);
      const index = await registry.manifest(list.repository, list.reference);
      expect(
        index?.body.manifests?.map((m) => m.digest),
        `${name} list`,
      ).toContain(published!.digest);
    }

    expect(Object.keys(await createJobs())).toEqual(['base-images-unchanged']);

    // What the images hold, for those built now (a container of a vfs image copies all of it: slow).
    const expected: Record<BaseImageName, [string[], RegExp]> = {
      builder: [['spack', '--version'], /^0\.21\.2/],
      runtime: [['cat', '/etc/debian_version'], /^12\./],
      singularitah: [['singularity', 'version'], /stand-in/],
    };
    for (const name of BASE_IMAGES.filter((n) => checksums.has(n))) {
      const [command, output] = expected[name];
      const container = (await buildah(['from', '--pull=missing', refs[name]], images.env)).trim();
      try {
        expect(await buildah(['run', container, '--', ...command], images.env)).toMatch(output);
      } finally {
        await buildah(['rm', container], images.env);
      }
    }
  });

  it('removeContainerRepositories removes what a run pushed outside base/, keeping base images', async () => {
    await pushTestImage(images.registry.endpoint, `${registryPath}/e2e-leftover`, '1.0');
    expect(await images.removeContainerRepositories()).toContain(`${registryPath}/e2e-leftover`);
    expect((await fetch(`${images.registry.endpoint}/v2/${registryPath}/e2e-leftover/tags/list`)).status).toBe(404);
    const catalog = (await (await fetch(`${images.registry.endpoint}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories.filter((r) => r.startsWith(`${registryPath}/`))).toEqual(
      catalog.repositories.filter((r) => r.startsWith(`${registryPath}/base/`)),
    );
  });
});
