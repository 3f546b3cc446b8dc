import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitlab, PROJECT_ID, TOKEN } from '../support/gitlab-server.js';
import { REPO_ROOT } from '../support/project.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../support/registry.js';
import { startS3, TEST_CREDENTIALS, type TestS3 } from '../support/s3.js';
import { artifactsDir } from './support/gitlab-ci-local.js';
import { recordPipeline } from './support/gitlab-project.js';
import { imageFiles, registryTags } from './support/image-files.js';
import { MIRROR_NAMESPACE } from './support/containers-config.js';
import { defaultCacheDir, prepareImages, type PreparedImages } from './support/images.js';
import { GENERATOR_IMAGE_STAND_IN } from './support/seed-images.js';
import { DEFAULT_BRANCH, kindVariables, MERGE_REQUEST_IID, type PipelineKind } from './support/pipeline-kinds.js';
import { allPipelines, PipelineRunner, type PipelineRun } from './support/pipeline-runner.js';
import { writeReport } from './support/report.js';
import { spackEnvironment } from './support/spack.js';

/**
 * The first real run: every pipeline of every kind, root, children and grandchildren, executed
 * with gitlab-ci-local on this machine, with real Spack, buildah, registry and S3 (docs/e2e.md).
 */
const CACHE_DIR = defaultCacheDir();
const REPORT_DIR = process.env.E2E_REPORT_DIR;
const PROJECT = path.join(REPO_ROOT, 'test/e2e/project');
/**
 * What a user's repository holds besides its definitions and .gitlab-ci.yml (the rest of this
 * checkout is the tool, in the generator image; generator jobs run its CLI here), and this
 * checkout's component, included as local files (userCiFile).
 */
const PROJECT_FILES = ['settings.yaml', 'base-images', 'spacktainer', 'templates'];
/** The e2e's definitions (test/e2e/project), by kind. */
const definitions = { spack: ['pigz', 'compressors'], custom: ['debian-tools'] };
const BUCKETS = { production: 'spack-build-cache', development: 'spack-build-cache-dev', sif: 'spacktainers-sif' };
const REGISTRY_PATH = 'hpc/spacktainers';
const HUB_NAMESPACE = 'examplehpc';

let images: PreparedImages;
let hub: TestRegistry;
let s3: TestS3;
let gitlab: FakeGitlab;
let work: string;
let runNumber = 0;
let pipelineId = 1000;
let jobId = 50_000;
let variables: Record<string, string>;
let env: NodeJS.ProcessEnv;

/**
 * A user's .gitlab-ci.yml: the component, once and once for amd64, the one architecture with
 * definitions. A user includes it by version from the GitLab instance (`include: component:`,
 * test/integration/component.test.ts fetches it so); here its templates are local files with
 * the same inputs, as a copy of a pipeline's project cannot be that of a released component.
 */
function userCiFile(): string {
  return `include:
  - local: templates/spacktainers.yml
    inputs:
      generator-image: ${GENERATOR_IMAGE_STAND_IN}
      registry-image: ${images.registry.host}/${REGISTRY_PATH}
  - local: templates/architecture.yml
    inputs:
      arch: amd64
      runner-tags: [docker, amd64]
      cache-bucket: ${BUCKETS.production}
      development-cache-bucket: ${BUCKETS.development}
`;
}

/** A commit of the user's repository: the project files and the e2e definitions, edited by `change`. */
async function commitSource(name: string, change?: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(work, 'sources', name);
  for (const item of PROJECT_FILES) await cp(path.join(REPO_ROOT, item), path.join(dir, item), { recursive: true });
  await writeFile(path.join(dir, '.gitlab-ci.yml'), userCiFile());
  await cp(path.join(PROJECT, 'container_definitions'), path.join(dir, 'container_definitions'), { recursive: true });
  // container-jobs asks a `.def`'s From: registry for the image's digest itself, and Docker Hub
  // cannot be reached here: the definitions name its loopback mirror, which buildah uses too.
  for (const name of definitions.custom) {
    const file = path.join(dir, 'container_definitions/amd64', `${name}.def`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('From: docker.io/library/', `From: ${images.registry.host}/${MIRROR_NAMESPACE}/library/`));
  }
  await change?.(dir);
  return dir;
}

async function runPipeline(kind: PipelineKind, branch: string, source: string): Promise<PipelineRun> {
  const number = ++runNumber;
  const sha = (number * 0x1111111).toString(16).padStart(40, '0');
  const predefined = kindVariables(kind, branch, sha);
  const runner = new PipelineRunner({
    sourceDir: source,
    workDir: path.join(work, `run-${number}`),
    variables: { ...variables, ...predefined.variables },
    unset: predefined.unset,
    env,
    nextPipelineId: () => pipelineId++,
    onFinished: (run) => recordPipeline(gitlab, run, predefined.ref, () => jobId++),
  });
  const run = await runner.runRoot('.gitlab-ci.yml', predefined.source);
  if (REPORT_DIR) await writeReport(path.join(REPORT_DIR, `${number}-${kind}`), run);
  return run;
}

/** `name -> status` of every job of every pipeline of the hierarchy, `[trigger] > job` below the root. */
function statuses(run: PipelineRun): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (pipeline: PipelineRun, prefix: string) => {
    for (const job of pipeline.jobs) {
      out[`${prefix}${job.name}`] = job.status;
      if (job.child) walk(job.child, `${prefix}[${job.name}] > `);
    }
  };
  walk(run, '');
  return out;
}

function expectAllSucceeded(run: PipelineRun): void {
  const failed = Object.entries(statuses(run)).filter(([, status]) => status !== 'success');
  expect(failed, `jobs that did not succeed (logs: ${run.cwd}/.gitlab-ci-local/output)`).toEqual([]);
}

/** The pipeline created by the trigger job `name` somewhere in the hierarchy. */
function downstream(run: PipelineRun, name: string): PipelineRun {
  const found = allPipelines(run).find((p) => p.name === name);
  if (!found) throw new Error(`no downstream pipeline of trigger job ${name}`);
  return found;
}

function jobNames(pipeline: PipelineRun): string[] {
  return pipeline.jobs.map((job) => job.name).sort();
}

/** The Spack build jobs of every build child of an architecture (Spack names them by spec). */
function spackBuildJobs(run: PipelineRun, arch: string): string[] {
  const builds = downstream(run, `spack-build:${arch}`);
  return builds.jobs
    .flatMap((job) => (job.child ? job.child.jobs.map((j) => j.name) : []))
    .filter((name) => !['rebuild-index', 'no-specs-to-rebuild'].includes(name))
    .sort();
}

async function lockHashes(run: PipelineRun, container: string): Promise<Set<string>> {
  const generate = run.jobs.filter((job) => job.name.startsWith('spack-generate:amd64'));
  for (const job of generate) {
    const file = path.join(artifactsDir(run.cwd, job.name), `generated/amd64/spack-outputs/${container}/spack.lock`);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text) return new Set(Object.keys((JSON.parse(text) as { concrete_specs: Record<string, unknown> }).concrete_specs));
  }
  throw new Error(`no spack.lock of ${container} in the generate jobs' artifacts`);
}

async function s3Keys(bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

describe('every generated pipeline of every kind, run end to end with the real tools', () => {
  const sources: Record<string, string> = {};
  const runs: Record<string, PipelineRun> = {};

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'spacktainers-e2e-'));
    await mkdir(CACHE_DIR, { recursive: true });
    const spack = spackEnvironment(work);
    hub = await startRegistry();
    images = await prepareImages({ cacheDir: CACHE_DIR, log: (line) => console.log(`e2e: ${line}`), otherRegistries: [hub.host] });
    await images.removeContainerRepositories();
    // Docker Hub gets only the containers whose repository exists there: one does.
    await pushTestImage(hub.endpoint, `${HUB_NAMESPACE}/${definitions.spack[0]}`, 'seed');
    s3 = await startS3({ buckets: Object.values(BUCKETS) });
    gitlab = new FakeGitlab();
    const apiUrl = await gitlab.start();
    gitlab.branches = [{ name: DEFAULT_BRANCH, default: true, protected: true }, { name: 'feature' }, { name: 'other' }];
    gitlab.protectedBranches = [DEFAULT_BRANCH];
    variables = {
      // GitLab's predefined project variables.
      CI_API_V4_URL: apiUrl,
      CI_PROJECT_ID: String(PROJECT_ID),
      CI_PROJECT_URL: 'https://gitlab.example.org/hpc/spacktainers',
      CI_SERVER_URL: 'https://gitlab.example.org',
      // The project's CI/CD variables, as a site sets them (docs/e2e.md).
      ...images.settingsOverrides,
      SPACKTAINERS_REGISTRY_PATH: REGISTRY_PATH,
      SPACKTAINERS_DOCKER_HUB_HOST: hub.host,
      SPACKTAINERS_DOCKER_HUB_NAMESPACE: HUB_NAMESPACE,
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      CI_REGISTRY_USER: 'e2e',
      CI_REGISTRY_PASSWORD: 'e2e-registry-password',
      DOCKERHUB_USER: 'e2e',
      DOCKERHUB_TOKEN: 'e2e-hub-token',
      GITLAB_API_TOKEN: TOKEN,
    };
    env = {
      ...process.env,
      ...spack,
      ...images.env,
      PATH: [images.binDir, path.join(REPO_ROOT, 'test/support/node-bin'), spack.PATH].join(':'),
      STUB_REPO: REPO_ROOT,
    };
    sources.main = await commitSource('main');
    // The merge request adds a package to one container.
    sources.feature = await commitSource('feature', async (dir) => {
      const file = path.join(dir, 'container_definitions/amd64', `${definitions.spack[1]}.yaml`);
      const text = await readFile(file, 'utf8');
      if (!text.includes('  - xz\n')) throw new Error(`${file} no longer lists xz: update the e2e's change`);
      await writeFile(file, text.replace('  - xz\n', '  - xz\n  - lz4\n'));
    });
  });

  afterAll(async () => {
    await Promise.allSettled([images?.stop(), hub?.stop(), s3?.stop(), gitlab?.stop()]);
    if (!process.env.E2E_KEEP) await rm(work, { recursive: true, force: true });
  });

  it('1. default branch: builds the base images, every spec once, every container, and publishes them', async () => {
    const run = (runs.first = await runPipeline('default-branch', DEFAULT_BRANCH, sources.main!));
    expectAllSucceeded(run);
    const containers = downstream(run, 'containers:amd64');
    expect(jobNames(containers)).toEqual(
      [
        ...definitions.spack.flatMap((n) => [`image:${n}`, `sif:${n}`]),
        ...definitions.custom.map((n) => `sif:${n}`),
        `docker-hub:${definitions.spack[0]}`,
      ].sort(),
    );
    // A real image: the view holds the definition's executables (fake-built, so empty files).
    const files = await imageFiles(
      images.registry.endpoint,
      `${REGISTRY_PATH}/${definitions.spack[0]}`,
      (await registryTags(images.registry.endpoint, `${REGISTRY_PATH}/${definitions.spack[0]}`))[0]!,
    );
    expect([...files].filter((f) => f.startsWith('opt/view/bin/'))).toContain('opt/view/bin/pigz');
    expect(await s3Keys(BUCKETS.sif)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${definitions.spack[0]}/.*\\.sif$`))]));
  });

  it('2. default branch again: nothing changed, nothing is published, and GitLab accepts every pipeline', async () => {
    const run = (runs.second = await runPipeline('default-branch', DEFAULT_BRANCH, sources.main!));
    expectAllSucceeded(run);
    expect(jobNames(downstream(run, 'base-images'))).toEqual(['base-images-unchanged']);
    expect(spackBuildJobs(run, 'amd64')).toEqual([]);
    expect(jobNames(downstream(run, 'containers:amd64'))).toEqual(['nothing-to-publish']);
  });

  it('3. merge request: one definition changes, exactly that container and its new specs are built, and the note says so', async () => {
    const run = (runs.mergeRequest = await runPipeline('merge-request', 'feature', sources.feature!));
    expectAllSucceeded(run);
    const changed = definitions.spack[1]!;
    const before = await lockHashes(runs.second!, changed);
    const after = await lockHashes(run, changed);
    const added = [...after].filter((hash) => !before.has(hash));
    expect(added.length).toBeGreaterThan(0);
    const built = spackBuildJobs(run, 'amd64');
    expect(built).toHaveLength(added.length);
    for (const hash of added) expect(built.some((job) => job.includes(hash.slice(0, 7)))).toBe(true);
    expect(jobNames(downstream(run, 'containers:amd64'))).toEqual([`image:${changed}`, `sif:${changed}`]);
    const note = gitlab.notes.get(MERGE_REQUEST_IID)?.[0]?.body ?? '';
    expect(note).toContain(changed);
    expect(note).toContain('lz4');
  });

  it('4. branch: identical to the default branch, it copies the published containers and builds nothing', async () => {
    const run = (runs.branch = await runPipeline('branch', 'other', sources.main!));
    expectAllSucceeded(run);
    expect(spackBuildJobs(run, 'amd64')).toEqual([]);
    expect(jobNames(downstream(run, 'containers:amd64'))).toEqual(['nothing-to-publish']);
    const tags = await registryTags(images.registry.endpoint, `${REGISTRY_PATH}/${definitions.spack[0]}`);
    expect(tags.some((tag) => tag.endsWith('__other'))).toBe(true);
  });

  it('5. clean-cache schedule: the janitor runs on every cache and keeps what the environments use', async () => {
    const cached = await s3Keys(BUCKETS.production);
    const run = await runPipeline('clean-cache', DEFAULT_BRANCH, sources.main!);
    expectAllSucceeded(run);
    expect(run.jobs.map((job) => job.name).filter((name) => name.startsWith('clean-cache'))).not.toEqual([]);
    // Every entry is young: nothing goes.
    expect(await s3Keys(BUCKETS.production)).toEqual(cached);
  });

  it('6. clean-branches schedule: deleted branches lose their tags and SIFs; the default branch keeps its own', async () => {
    gitlab.branches = gitlab.branches.filter((branch) => branch.name === DEFAULT_BRANCH);
    const run = await runPipeline('clean-branches', DEFAULT_BRANCH, sources.main!);
    expectAllSucceeded(run);
    const [pigz, compressors] = definitions.spack.map((name) => `${REGISTRY_PATH}/${name}`);
    // The merge request built compressors anew: its tag alone names that manifest, and goes.
    const compressorsTags = await registryTags(images.registry.endpoint, compressors!);
    expect(compressorsTags.filter((tag) => tag.endsWith('__feature'))).toEqual([]);
    expect(compressorsTags.some((tag) => !tag.includes('__'))).toBe(true);
    // Re-tagged copies share the default branch's manifest, which a registry deletes only with
    // every tag on it: they are reported and kept.
    const report = JSON.parse(await readFile(path.join(artifactsDir(run.cwd, 'clean-branches'), 'clean-branches.json'), 'utf8')) as {
      keptSharedTags: { repository: string; tag: string }[];
    };
    expect(report.keptSharedTags.map((kept) => `${kept.repository}:${kept.tag}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${pigz}:.*__other$`))]),
    );
    expect((await registryTags(images.registry.endpoint, pigz!)).some((tag) => !tag.includes('__'))).toBe(true);
    expect((await s3Keys(BUCKETS.sif)).filter((key) => key.includes('__'))).toEqual([]);
    expect((await s3Keys(BUCKETS.sif)).filter((key) => key.endsWith('.sif'))).toHaveLength(definitions.spack.length + definitions.custom.length);
  });
});
