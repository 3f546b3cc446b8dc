import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../generator/app/project.js';
import { FAILURE_JOB, PRODUCER_VARIABLE, WAIT_POLL_SECONDS, WAITS_FOR_VARIABLE } from '../../generator/spack/wait-jobs.js';
import { runCli } from '../support/cli.js';
import { makeProject, REPO_ROOT } from '../support/project.js';
import { startS3, TEST_CREDENTIALS, type TestS3 } from '../support/s3.js';
import {
  builderRunStep,
  childVariables,
  runInPrivateOpt,
  runJob,
  runPipelineJobs,
  scriptJobs,
  spackCanUseGpg,
  spackEnvironment,
  type RunResult,
} from './support/spack.js';

const ARCH = 'amd64';
const DEFINITIONS = path.join(REPO_ROOT, 'test/e2e/project/container_definitions');
const SIGNED_BUCKET = 'spack-build-cache-signed';
const PIPELINE_DIR = `generated/${ARCH}/spack-pipeline`;
/**
 * A budget per child file that splits the 7 build jobs into 3 children, two of them waiting
 * for the first (gmake): one child for all needs about 14,500 bytes, the largest of these
 * 3 about 7,300 (wait jobs included), and under 7,000 the split is finer.
 */
const SPLIT_YAML_BYTES = 8000;
/** The build pipeline's run, which its trigger jobs pass to the children's wait and failure jobs. */
const BUILD_PIPELINE_ID = '4711';
/** Another run of it, whose children failed. */
const FAILED_PIPELINE_ID = '4712';

interface Plan {
  links: string;
  children: { file: string; trigger: string; waitJobs: string[] }[];
}

/** Every generated Spack job with real Spack 0.21.2 against s3rver: generate, build, install. */
describe('Spack jobs with real Spack and an S3 build cache', () => {
  let s3: TestS3;
  let scratch: string;
  let project: string;
  let env: Record<string, string>;
  /** The private /opt of the pipeline's jobs, and the one of the container build. */
  let buildOpt: string;
  let imageOpt: string;
  const timings: Record<string, number> = {};

  const generated = (file: string) => path.join(project, 'generated', file);
  const expectSuccess = (what: string, result: RunResult) => {
    if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output.slice(-6000)}`);
  };
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = Math.round((performance.now() - start) / 100) / 10;
    }
  };
  /** The root's generate job: its script, sharded into one, as GitLab runs it. */
  const generate = (opt = buildOpt) =>
    runInPrivateOpt(opt, 'sh', [generated(`${ARCH}/spack-generate.sh`)], {
      cwd: project,
      env: { ...env, CI_PROJECT_DIR: project, CI_JOB_NAME: `spack-generate:${ARCH}`, CI_PIPELINE_ID: '1' },
    });
  const pipelineFile = (file: string) => readFile(path.join(project, PIPELINE_DIR, file), 'utf8');
  /** process-spack-pipeline with a budget that splits the build jobs into children linked by wait jobs. */
  const processPipeline = async (jobEnv: Record<string, string>): Promise<Plan> => {
    const processed = await runCli(
      [
        'process-spack-pipeline',
        '--input',
        `generated/${ARCH}/spack-outputs`,
        '--output',
        PIPELINE_DIR,
        '--arch',
        ARCH,
        '--cache',
        'production',
        '--max-yaml-bytes',
        String(SPLIT_YAML_BYTES),
        // The settings name no light runners, where wait jobs are not the default.
        '--child-links',
        'wait-jobs',
      ],
      project,
      jobEnv,
    );
    expect(processed.stderr).toBe('');
    const plan = JSON.parse(await pipelineFile('plan.json')) as Plan;
    expect(plan.links).toBe('wait-jobs');
    expect(plan.children.length).toBeGreaterThanOrEqual(2);
    expect(plan.children.flatMap((child) => child.waitJobs).length).toBeGreaterThanOrEqual(1);
    return plan;
  };
  /** The script jobs of a child, and what its trigger job passes it in the run `pipelineId`. */
  const childOf = async (plan: Plan, trigger: string, jobEnv: Record<string, string>, pipelineId: string) => {
    const child = plan.children.find((candidate) => candidate.trigger === trigger)!;
    return {
      jobs: scriptJobs(await pipelineFile(child.file)),
      env: { ...jobEnv, ...childVariables(await pipelineFile('spack-pipeline.yml'), trigger, pipelineId) },
    };
  };
  /**
   * Each child's jobs as GitLab runs them (wait jobs really wait, the failure job only after a
   * failed job), then rebuild-index. GitLab starts the children at once; here they run one
   * after another, producers first, so every wait job finds its spec already pushed.
   */
  const runChildren = async (plan: Plan, opt: string, jobEnv: Record<string, string>, label = '') => {
    const waits: string[] = [];
    await timed(`${label}build jobs+push`, async () => {
      for (const { trigger } of plan.children) {
        const child = await childOf(plan, trigger, jobEnv, BUILD_PIPELINE_ID);
        for (const { job, result } of await runPipelineJobs(child.jobs, opt, project, child.env)) {
          if (job.name === FAILURE_JOB) {
            expect(result, `${trigger}: ${job.name} ran`).toBeUndefined();
            continue;
          }
          if (!result) throw new Error(`${trigger}: ${job.name} did not run`);
          expectSuccess(`${trigger}: ${job.name}`, result);
          const waitedFor = job.variables[WAITS_FOR_VARIABLE];
          if (waitedFor !== undefined) {
            expect(result.output).toContain(`${waitedFor}: in the build cache after`);
            waits.push(waitedFor);
          }
        }
      }
    });
    expect(waits.sort()).toEqual(plan.children.flatMap((child) => child.waitJobs).sort());
    const [reindex] = scriptJobs(await pipelineFile('spack-pipeline.yml')).filter((job) => job.name === 'rebuild-index');
    expectSuccess('rebuild-index', await timed(`${label}rebuild-index`, () => runJob(reindex!, opt, project, jobEnv)));
  };
  /** The container build's RUN step on this host, with `opt` as the image's /opt. */
  const imageRunStep = async (opt: string, buildArgs: Record<string, string>, extraEnv: Record<string, string> = {}) => {
    const secrets = path.join(opt, '..', `${path.basename(opt)}-secrets`);
    await mkdir(secrets, { mode: 0o700 });
    await writeFile(path.join(secrets, 'aws_access_key_id'), TEST_CREDENTIALS.accessKeyId);
    await writeFile(path.join(secrets, 'aws_secret_access_key'), TEST_CREDENTIALS.secretAccessKey);
    // The COPY of the Dockerfile: the generate job's concrete environment.
    await mkdir(path.join(opt, 'spacktainer/environment'), { recursive: true });
    for (const file of ['spack.yaml', 'spack.lock']) {
      await cp(generated(`${ARCH}/environments/pigz/${file}`), path.join(opt, 'spacktainer/environment', file));
    }
    const run = builderRunStep(await readFile(path.join(project, 'spacktainer/Dockerfile'), 'utf8'), secrets);
    // The credentials reach the step as secret files only.
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutCredentials } = env;
    const result = await runInPrivateOpt(opt, 'sh', ['-ec', run], {
      cwd: scratch,
      env: { ...withoutCredentials, ...extraEnv, S3_ENDPOINT_URL: s3.endpoint, AWS_DEFAULT_REGION: 'us-east-1', ...buildArgs },
    });
    expectSuccess('the RUN step', result);
    expect(result.output).toMatch(/Extracting pigz-2\.7-\w+ from binary cache/);
    expect(result.output).not.toMatch(/from source/);
    // /opt/view links to /opt/._view/<hash>: look from inside, where /opt is the image's.
    const view = await runInPrivateOpt(opt, 'ls', ['/opt/view/bin'], { cwd: scratch, env });
    expect(view.output.split('\n')).toEqual(expect.arrayContaining(['pigz']));
    expect(await readFile(path.join(opt, 'spacktainer/activate.sh'), 'utf8')).toContain('/opt/view');
    return result;
  };
  const lockedHashes = async () => {
    const hashes = new Set<string>();
    for (const name of await readdir(generated(`${ARCH}/spack-outputs`))) {
      const lock = JSON.parse(await readFile(generated(`${ARCH}/spack-outputs/${name}/spack.lock`), 'utf8')) as { concrete_specs: Record<string, unknown> };
      for (const hash of Object.keys(lock.concrete_specs)) hashes.add(hash);
    }
    return hashes;
  };

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'spacktainers-e2e-spack-'));
    env = {
      ...spackEnvironment(scratch),
      HOME: scratch,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    };
    // The wait and failure jobs' `spacktainers`: this checkout's CLI. This host's Node is older
    // than the generator image's, and the AWS SDK warns about that on stderr.
    env.PATH = `${path.join(REPO_ROOT, 'test/support/node-bin')}:${env.PATH}`;
    env.STUB_REPO = REPO_ROOT;
    env.NODE_NO_WARNINGS = '1';
    buildOpt = path.join(scratch, 'build-opt');
    imageOpt = path.join(scratch, 'image-opt');
    project = await makeProject({});
    await cp(DEFINITIONS, path.join(project, 'container_definitions'), { recursive: true });
    const settings = await loadSettings(path.join(project, 'settings.yaml'), process.env);
    s3 = await startS3({ buckets: [settings.s3.cacheBucket, settings.s3.developmentCacheBucket, SIGNED_BUCKET] });
    env.SPACKTAINERS_S3_ENDPOINT = s3.endpoint;
    const created = await runCli(['create-jobs', '--offline'], project, env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
  });
  afterAll(async () => {
    console.log(`Spack e2e timings (s): ${JSON.stringify(timings)}`);
    await s3?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('concretizes every environment and generates its build jobs against the s3:// mirror', async () => {
    const spackYaml = load(await readFile(generated(`${ARCH}/environments/pigz/spack.yaml`), 'utf8')) as { spack: { mirrors: Record<string, string> } };
    expect(spackYaml.spack.mirrors).toEqual({ spacktainers: `s3://spack-build-cache/${ARCH}` });
    expectSuccess('spack-generate.sh', await timed('concretize+generate', generate));
    const hashes = await lockedHashes();
    expect(hashes.size).toBeGreaterThan(3);
    expect(hashes.size).toBeLessThan(20);
    for (const name of ['pigz', 'compressors']) {
      const log = await readFile(generated(`${ARCH}/spack-outputs/${name}/generate.log`), 'utf8');
      expect(log).toContain(`s3://spack-build-cache/${ARCH}`);
      expect(log).toContain('Scheduled, not found anywhere');
    }
  });

  it('splits the build jobs into children with wait jobs: a wait job whose producer failed stops at once', async () => {
    const plan = await processPipeline(env);
    // In another run of the build pipeline, before anything is built, the child building a
    // spec that another child waits for fails: its failure job leaves the marker.
    const waiting = await childOf(plan, plan.children.find((child) => child.waitJobs.length > 0)!.trigger, env, FAILED_PIPELINE_ID);
    const waitJob = waiting.jobs.find((job) => job.variables[WAITS_FOR_VARIABLE] !== undefined)!;
    const producer = waitJob.variables[PRODUCER_VARIABLE]!;
    const failed = await childOf(plan, producer, env, FAILED_PIPELINE_ID);
    const failureJob = failed.jobs.find((job) => job.name === FAILURE_JOB)!;
    expect(failureJob.when).toBe('on_failure');
    const marked = await runJob(failureJob, buildOpt, project, failed.env);
    expectSuccess(FAILURE_JOB, marked);
    expect(marked.output).toContain(`${producer} failed: marked in the build cache`);
    const stopped = await timed('wait job of a failed child', () => runJob(waitJob, buildOpt, project, waiting.env));
    expect(stopped.code, stopped.output).not.toBe(0);
    // Stopped at its first look, with no wait for a second.
    expect(timings['wait job of a failed child']).toBeLessThan(WAIT_POLL_SECONDS);
    const waitedFor = waitJob.variables[WAITS_FOR_VARIABLE]!;
    expect(stopped.output.trim().split('\n')).toEqual([
      `${waitedFor}: ${producer} failed without building it (${ARCH}/spacktainers-waits/${FAILED_PIPELINE_ID}/${producer}.failed); nothing to wait for`,
    ]);
  });

  it('runs every child as GitLab would (fake builds, real wait jobs) and rebuild-index: the cache holds every spec', async () => {
    await runChildren(JSON.parse(await pipelineFile('plan.json')) as Plan, buildOpt, env);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'spack-build-cache', Prefix: `${ARCH}/build_cache/` }));
    const keys = (listed.Contents ?? []).map((object) => object.Key!);
    expect(keys).toContain(`${ARCH}/build_cache/index.json`);
    for (const hash of await lockedHashes()) {
      expect(
        keys.some((key) => key.endsWith(`-${hash}.spec.json`)),
        `spec.json of ${hash}`,
      ).toBe(true);
      expect(
        keys.some((key) => key.endsWith(`-${hash}.spack`)),
        `tarball of ${hash}`,
      ).toBe(true);
    }
  });

  it('generates again: Spack finds everything in the cache and emits its no-op pipeline', async () => {
    await rm(generated(`${ARCH}/spack-outputs`), { recursive: true });
    expectSuccess('spack-generate.sh', await timed('generate (no-op)', generate));
    for (const name of ['pigz', 'compressors']) {
      const pipeline = load(await readFile(generated(`${ARCH}/spack-outputs/${name}/pipeline.yml`), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(pipeline).filter((key) => !['workflow', 'variables', 'stages'].includes(key))).toEqual(['no-specs-to-rebuild']);
    }
  });

  it("installs as the container build's RUN step does, in another install tree: from the cache, view regenerated", async () => {
    await timed('install from cache+view', () => imageRunStep(imageOpt, { SPACK_VERIFY_SIGNATURES: 'false' }));
  });

  // Spack 0.21 reaches gpg only through its bootstrap configuration (clingo importable,
  // patchelf, bootstrapping on): an offline Spack cannot sign or verify, so this runs only
  // where `spack gpg list` works.
  it.skipIf(!spackCanUseGpg())('signed cache: builds push signed, the container build trusts the mirror keys and checks every binary', async () => {
    const signedOpt = path.join(scratch, 'signed-build-opt');
    const signing = { ...env, SPACKTAINERS_S3_CACHE_BUCKET: SIGNED_BUCKET, SPACKTAINERS_SPACK_SIGNING_KEY_VARIABLE: 'SPACK_SIGNING_KEY' };
    // create-jobs writes generated/ anew: the unsigned run's outputs are gone.
    expect((await runCli(['create-jobs', '--offline'], project, signing)).code).toBe(0);
    expectSuccess('spack-generate.sh', await generate(signedOpt));
    // A throw-away key, made in its own GnuPG home, handed to the jobs as CI variable.
    const keyHome = path.join(scratch, 'key-gnupg');
    const keyEnv = { ...env, SPACK_GNUPGHOME: keyHome };
    expectSuccess(
      'spack gpg create',
      await runInPrivateOpt(signedOpt, 'spack', ['gpg', 'create', 'spacktainers e2e', 'e2e@example.org'], { cwd: scratch, env: keyEnv }),
    );
    const keyFile = path.join(scratch, 'signing.key');
    expectSuccess('spack gpg export', await runInPrivateOpt(signedOpt, 'spack', ['gpg', 'export', '--secret', keyFile], { cwd: scratch, env: keyEnv }));
    const jobEnv = { ...signing, SPACK_GNUPGHOME: path.join(scratch, 'jobs-gnupg'), SPACK_SIGNING_KEY: (await readFile(keyFile)).toString('base64') };
    await runChildren(await processPipeline(jobEnv), signedOpt, jobEnv, 'signed ');
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: SIGNED_BUCKET, Prefix: `${ARCH}/build_cache/` }));
    const keys = (listed.Contents ?? []).map((object) => object.Key!);
    expect(keys.filter((key) => key.endsWith('.spec.json.sig')).length).toBe((await lockedHashes()).size);
    expect(keys.some((key) => key.startsWith(`${ARCH}/build_cache/_pgp/`) && key.endsWith('.pub'))).toBe(true);
    const installed = await imageRunStep(
      path.join(scratch, 'signed-image-opt'),
      { SPACK_VERIFY_SIGNATURES: 'true' },
      { SPACK_GNUPGHOME: path.join(scratch, 'image-gnupg') },
    );
    expect(installed.output).toContain('Good signature');
  });
});
