import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { appendFile, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { loadDefinitions, loadSettings } from '../../generator/app/project.js';
import { copyExampleOutputs } from '../../generator/app/example-outputs.js';
import { runCli } from '../support/cli.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';
import { BUNDLED_ARCHITECTURES, makeProject, REPO_ROOT } from '../support/project.js';
import { jobNames, pipelineJobs, runBuildJobs, runPublishJobs } from '../support/publish-jobs.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../support/registry.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { secretLeaks } from '../support/secrets.js';
import { changeADependency } from '../support/spack-lock.js';
import { ignoreProgress } from '../support/progress.js';

/** Values of the secrets in the CI variables: none may appear in anything generated. */
const SECRETS = {
  CI_REGISTRY_USER: 'registry-user',
  CI_REGISTRY_PASSWORD: 'registry-secret-1',
  DOCKERHUB_USER: 'hub-user',
  DOCKERHUB_TOKEN: 'hub-secret-2',
};

describe('container-jobs publishes only what changed (docker-registry and s3rver)', () => {
  let registry: TestRegistry;
  let s3: TestS3;
  let project: string;
  let env: Record<string, string>;
  let fromImage: string;

  const generated = (file: string) => path.join(project, 'generated', file);

  /** Run container-jobs for amd64; check the pipeline against GitLab's schema; return its jobs. */
  const containerJobs = async (extra: Record<string, string> = {}) => {
    const run = await runCli(['container-jobs', '--arch', 'amd64'], project, { ...env, ...extra });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const text = await readFile(generated('amd64/containers/containers.yml'), 'utf8');
    expect(gitlabSchemaErrors(text)).toEqual([]);
    return { text, jobs: jobNames(text) };
  };

  /** Stand in for the generated jobs: push the images (with their labels), copy to "Docker Hub", upload the SIFs. */
  const publish = (text: string) => runPublishJobs(registry, project, env, text);

  /** Every test starts from this state when it needs what a first pipeline published. */
  const publishEverything = async () => {
    await publish((await containerJobs()).text);
    expect((await containerJobs()).jobs).toEqual(['nothing-to-publish']);
  };

  const fetchLabels = async (reference: string) => {
    const [repository, tag] = reference.slice(registry.host.length + 1).split(':') as [string, string];
    return (await new RegistryClient(registry.host, ignoreProgress).image(repository, tag, 'amd64'))!.labels;
  };

  // Each test gets its own servers and project: none depends on what another published.
  beforeEach(async () => {
    [registry, s3] = await Promise.all([startRegistry(), startS3({ buckets: ['spacktainers-sif'] })]);
    project = await makeProject({});
    await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(project, 'container_definitions'), { recursive: true });
    // The tests talk to loopback only: the .def converts an image from the test registry.
    fromImage = `${registry.host}/library/ubuntu`;
    const def = path.join(project, 'container_definitions/amd64/ubuntu-tools.def');
    await writeFile(def, (await readFile(def, 'utf8')).replace('docker.io/library/ubuntu', fromImage));
    await pushTestImage(registry.endpoint, 'library/ubuntu', '24.04', { content: 'ubuntu 1' });
    env = {
      ...SECRETS,
      SPACKTAINERS_REGISTRY_HOST: registry.host,
      SPACKTAINERS_DOCKER_HUB_HOST: registry.host,
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    // The root pipeline: create-jobs, the base images built, the generate jobs' outputs.
    const created = await runCli(['create-jobs'], project, env);
    expect(created.stderr).toBe('');
    await runBuildJobs(registry.endpoint, registry.host, await readFile(generated('base-images.yml'), 'utf8'));
    const definitions = await loadDefinitions(path.join(project, 'container_definitions'), project, BUNDLED_ARCHITECTURES);
    await copyExampleOutputs(definitions, path.join(REPO_ROOT, 'examples/spack-outputs'), path.join(project, 'generated'));
  });
  afterEach(async () => Promise.all([registry?.stop(), s3?.stop()]));

  it('publishes everything the first time: image and SIF of each Spack container, the .def SIF', async () => {
    const first = await containerJobs();
    expect(first.jobs).toEqual(['image:build-tools', 'sif:build-tools', 'image:hdf5-mpi', 'sif:hdf5-mpi', 'image:numpy', 'sif:numpy', 'sif:ubuntu-tools']);
    // Building an image or a SIF is bounded by settings containers.buildJobTimeout.
    const timeouts = Object.entries(pipelineJobs(first.text)).map(([name, job]) => [name, job.timeout]);
    expect(timeouts.every(([, timeout]) => timeout === '2h')).toBe(true);
    await publish(first.text);
  });

  it('publishes nothing when nothing changed: a single no-op job, in a stage of the file', async () => {
    await publishEverything();
    const { text, jobs } = await containerJobs();
    expect(jobs).toEqual(['nothing-to-publish']);
    expect(pipelineJobs(text)['nothing-to-publish']!.stage).toBe('publish');
  });

  it('a SIF missing from the bucket is converted again from the published image, nothing else', async () => {
    await publishEverything();
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'spacktainers-sif', Key: 'numpy/numpy-1.26.1.sif' }));
    const changed = await containerJobs();
    expect(changed.jobs).toEqual(['sif:numpy']);
    expect(pipelineJobs(changed.text)['sif:numpy']!.script).toContain(
      `singularity build numpy-1.26.1.sif docker://${registry.host}/hpc/spacktainers/numpy:1.26.1`,
    );
    await publish(changed.text);
    expect((await containerJobs()).jobs).toEqual(['nothing-to-publish']);
  });

  it('labels images with the OCI keys and the container identity, pinned to base image digests', async () => {
    await publishEverything();
    const labels = await fetchLabels(`${registry.host}/hpc/spacktainers/numpy:1.26.1`);
    expect(Object.keys(labels).sort()).toEqual([
      'org.opencontainers.image.source',
      'org.opencontainers.image.version',
      'org.spacktainers.base-image-builder',
      'org.spacktainers.base-image-runtime',
      'org.spacktainers.container-checksum',
      'org.spacktainers.spack-commit',
      'org.spacktainers.spack-lock-digest',
    ]);
    expect(labels['org.opencontainers.image.version']).toBe('1.26.1');
    expect(labels['org.spacktainers.base-image-runtime']).toMatch(new RegExp(`^${registry.host}/hpc/spacktainers/base/runtime@sha256:[0-9a-f]{64}$`));
  });

  it('a changed copied file rebuilds only the containers that copy it', async () => {
    await publishEverything();
    await appendFile(path.join(project, 'spacktainer/files/profile.d/spacktainer.sh'), '\n# changed\n');
    const changed = await containerJobs();
    expect(changed.jobs).toEqual(['image:build-tools', 'sif:build-tools']);
    await publish(changed.text);
    expect((await containerJobs()).jobs).toEqual(['nothing-to-publish']);
  });

  it('a changed spack.lock rebuilds only its container', async () => {
    await publishEverything();
    const lock = generated('amd64/spack-outputs/numpy/spack.lock');
    await changeADependency(lock);
    const changed = await containerJobs();
    expect(changed.jobs).toEqual(['image:numpy', 'sif:numpy']);
    await publish(changed.text);
    expect((await containerJobs()).jobs).toEqual(['nothing-to-publish']);
  });

  it('a changed base image rebuilds every Spack container of the architecture, not the .def', async () => {
    await publishEverything();
    await pushTestImage(registry.endpoint, 'hpc/spacktainers/base/runtime', 'latest-amd64', { content: 'runtime 2' });
    const changed = await containerJobs();
    expect(changed.jobs).toEqual(['image:build-tools', 'sif:build-tools', 'image:hdf5-mpi', 'sif:hdf5-mpi', 'image:numpy', 'sif:numpy']);
    const build = pipelineJobs(changed.text)['image:numpy']!.script!.find((line) => line.startsWith('buildah build'))!;
    expect(build).toMatch(new RegExp(`--build-arg RUNTIME_IMAGE=${registry.host}/hpc/spacktainers/base/runtime@sha256:`));
    await publish(changed.text);
    expect((await containerJobs()).jobs).toEqual(['nothing-to-publish']);
  });

  it('a changed From: image converts only that .def again', async () => {
    await publishEverything();
    await pushTestImage(registry.endpoint, 'library/ubuntu', '24.04', { content: 'ubuntu 2' });
    const changed = await containerJobs();
    expect(changed.jobs).toEqual(['sif:ubuntu-tools']);
    await publish(changed.text);
    expect((await containerJobs()).jobs).toEqual(['nothing-to-publish']);
  });

  it('pushes to Docker Hub on the default branch only, into repositories that exist, when labels differ', async () => {
    await publishEverything();
    await pushTestImage(registry.endpoint, 'examplehpc/numpy', 'older', { content: 'hub numpy' });
    const hub = await containerJobs();
    expect(hub.jobs).toEqual(['docker-hub:numpy']);
    expect(pipelineJobs(hub.text)['docker-hub:numpy']!.script).toContain(
      `buildah push ${registry.host}/hpc/spacktainers/numpy:1.26.1 docker://${registry.host}/examplehpc/numpy:1.26.1`,
    );
    await publish(hub.text);
    expect((await containerJobs()).jobs).toEqual(['nothing-to-publish']);
    const branch = await containerJobs({ CI_COMMIT_REF_NAME: 'feature/x', CI_DEFAULT_BRANCH: 'main' });
    expect(branch.jobs.filter((job) => job.startsWith('docker-hub:'))).toEqual([]);
    expect(branch.text).toContain(`${registry.host}/hpc/spacktainers/numpy:1.26.1__feature-x`);
  });

  it("a branch whose containers are the default branch's copies them instead of building", async () => {
    const branchEnv = { ...env, CI_COMMIT_REF_NAME: 'feature/same', CI_DEFAULT_BRANCH: 'main' };
    const definitions = await loadDefinitions(path.join(project, 'container_definitions'), project, BUNDLED_ARCHITECTURES);
    /** A root pipeline: create-jobs, its base-image builds, the generate jobs' outputs. */
    const rootPipeline = async (rootEnv: Record<string, string>) => {
      expect((await runCli(['create-jobs'], project, rootEnv)).code).toBe(0);
      await runBuildJobs(registry.endpoint, registry.host, await readFile(generated('base-images.yml'), 'utf8'));
      await copyExampleOutputs(definitions, path.join(REPO_ROOT, 'examples/spack-outputs'), path.join(project, 'generated'));
    };
    // The default branch publishes these environments on its base images...
    await rootPipeline(env);
    await publishEverything();
    // ...and the branch's root pipeline copies those base images (same checksums) instead of building.
    await rootPipeline(branchEnv);
    const baseJobs = jobNames(await readFile(generated('base-images.yml'), 'utf8'));
    expect(baseJobs.filter((job) => job.startsWith('base-image:'))).toEqual([]);

    const run = await runCli(['container-jobs', '--arch', 'amd64'], project, branchEnv);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(
      `copied from the default branch: ${registry.host}/hpc/spacktainers/numpy:1.26.1 -> ${registry.host}/hpc/spacktainers/numpy:1.26.1__feature-same`,
    );
    expect(run.stdout).toContain('copied from the default branch: ubuntu-tools/ubuntu-tools-24.04.sif -> ubuntu-tools/ubuntu-tools-24.04__feature-same.sif');
    expect(jobNames(await readFile(generated('amd64/containers/containers.yml'), 'utf8'))).toEqual(['nothing-to-publish']);
    const client = new RegistryClient(registry.host, ignoreProgress);
    expect(await client.digest('hpc/spacktainers/numpy', '1.26.1__feature-same')).toBe(await client.digest('hpc/spacktainers/numpy', '1.26.1'));
    const sif = await s3.client.send(new HeadObjectCommand({ Bucket: 'spacktainers-sif', Key: 'numpy/numpy-1.26.1__feature-same.sif' }));
    expect(sif.Metadata).toEqual((await s3.client.send(new HeadObjectCommand({ Bucket: 'spacktainers-sif', Key: 'numpy/numpy-1.26.1.sif' }))).Metadata);
    // Now the branch has them: nothing is copied or built again.
    const again = await runCli(['container-jobs', '--arch', 'amd64'], project, branchEnv);
    expect(again.stdout).not.toContain('copied');
  });

  it('the image build gets S3 endpoint and region as build args, S3 credentials as build secrets, and checks signatures of a signed cache', async () => {
    const lock = generated('amd64/spack-outputs/numpy/spack.lock');
    await changeADependency(lock);
    const imageJob = async (extra: Record<string, string>) => {
      const { text } = await containerJobs(extra);
      const settings = await loadSettings(path.join(project, 'settings.yaml'), { ...env, ...extra });
      expect(secretLeaks(text, settings)).toEqual([]);
      return pipelineJobs(text)['image:numpy']!.script!;
    };
    const script = await imageJob({});
    const build = script.find((line) => line.startsWith('buildah build'))!;
    expect(build).toContain(`--build-arg S3_ENDPOINT_URL=${s3.endpoint}`);
    expect(build).toContain('--build-arg AWS_DEFAULT_REGION=us-east-1');
    expect(build).toContain('--build-arg SPACK_VERIFY_SIGNATURES=false');
    expect(build).toContain(
      '--secret id=aws_access_key_id,src="$secrets/aws_access_key_id" --secret id=aws_secret_access_key,src="$secrets/aws_secret_access_key"',
    );
    // Secrets reach buildah only as files: never as a build argument, a label or in the environment.
    const flags = build.split(' --').filter((flag) => /^(build-arg|label|env) /.test(flag));
    expect(flags.filter((flag) => /AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)|SECRET|KEY_ID/i.test(flag))).toEqual([]);
    expect(script).toContain(`printf '%s' "\${AWS_SECRET_ACCESS_KEY}" > "$secrets/aws_secret_access_key"`);
    const signing = { SPACKTAINERS_SPACK_SIGNING_KEY_VARIABLE: 'SPACK_SIGNING_KEY' };
    expect((await imageJob(signing)).find((line) => line.startsWith('buildah build'))).toContain('--build-arg SPACK_VERIFY_SIGNATURES=true');
    const branch = await imageJob({ ...signing, CI_COMMIT_REF_NAME: 'feature/z', CI_DEFAULT_BRANCH: 'main' });
    expect(branch.find((line) => line.startsWith('buildah build'))).toContain('--build-arg SPACK_VERIFY_SIGNATURES=false');
  });

  it("the Dockerfile installs from the environment's own mirrors, reading the job's build secrets", async () => {
    await containerJobs();
    const dockerfile = await readFile(generated('amd64/containers/numpy/Dockerfile'), 'utf8');
    expect(dockerfile).not.toMatch(/mirror add/);
    const mounted = [...dockerfile.matchAll(/--mount=type=secret,id=([a-z_]+)/g)].map((m) => m[1]);
    expect(mounted).toEqual(['aws_access_key_id', 'aws_secret_access_key']);
    expect(dockerfile).not.toMatch(/^(ARG|ENV|LABEL) .*(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)/m);
    expect(dockerfile).toMatch(/--cache-only \$check --fail-fast/);
  });

  it('never writes a secret into a generated file; scripts log in with --password-stdin only', async () => {
    await publishEverything();
    const files = await readdir(path.join(project, 'generated'), { recursive: true, withFileTypes: true });
    for (const entry of files.filter((e) => e.isFile())) {
      const text = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
      for (const secret of Object.values(SECRETS)) expect(text.includes(secret), `${entry.name} holds a secret`).toBe(false);
    }
    await containerJobs({ CI_COMMIT_REF_NAME: 'feature/y', CI_DEFAULT_BRANCH: 'main' });
    const settings = await loadSettings(path.join(project, 'settings.yaml'), env);
    const scripts = [generated('amd64/containers/containers.yml'), generated('base-images.yml')];
    for (const file of scripts) {
      expect(secretLeaks(await readFile(file, 'utf8'), settings)).toEqual([]);
      const lines = Object.values(pipelineJobs(await readFile(file, 'utf8'))).flatMap((job) => job.script ?? []);
      expect(lines.some((line) => /set -x|\bcat\b/.test(line))).toBe(false);
      for (const line of lines.filter((l) => /PASSWORD|TOKEN/.test(l))) {
        expect(line).toMatch(
          /^printf '%s' "\$\{(CI_REGISTRY_PASSWORD|DOCKERHUB_TOKEN)\}" \| (buildah login|singularity registry login) --username "\$\{\w+\}" --password-stdin \S+$/,
        );
      }
    }
  });
});
