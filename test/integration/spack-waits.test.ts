import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { waitForSpec } from '../../generator/cache/spec-wait.js';
import { buildCacheClient, S3Bucket } from '../../generator/io/s3/cache-bucket.js';
import { parseSettings } from '../../generator/settings/settings.js';
import { buildSpackPipeline } from '../../generator/spack/build-pipeline.js';
import { parseSpackPipeline } from '../../generator/spack/generate-output-parser.js';
import { BUILD_PIPELINE_VARIABLE, WAIT_TEMPLATE } from '../../generator/spack/wait-jobs.js';
import { runProcess } from '../support/cli.js';
import { ignoreProgress } from '../support/progress.js';
import { REPO_ROOT } from '../support/project.js';
import { startS3, TEST_CREDENTIALS, testS3Client, type TestS3 } from '../support/s3.js';

const BUCKET = 'spack-build-cache';
/** `spacktainers` of the generator image: this checkout's CLI. */
const NODE_BIN = path.join(REPO_ROOT, 'test/support/node-bin');

/**
 * The wait jobs of a split Spack pipeline, run as GitLab runs them (their template's script
 * with the job's variables, in a shell) against a real S3 server.
 */
describe('wait jobs against the build cache (s3rver)', () => {
  let s3: TestS3;
  let project: string;
  let waits: { name: string; variables: Record<string, string> }[];
  let script: string;
  beforeAll(async () => {
    s3 = await startS3({ buckets: [BUCKET] });
    project = await mkdtemp(path.join(tmpdir(), 'spacktainers-waits-'));
    const settingsText = await readFile(path.join(REPO_ROOT, 'settings.yaml'), 'utf8');
    await writeFile(path.join(project, 'settings.yaml'), settingsText);
    const inputs = ['small', 'medium', 'mpi'].map((env) =>
      parseSpackPipeline(`${env}.yml`, readFileSync(path.join(REPO_ROOT, 'fixtures/spack', env, 'pipeline.yml'), 'utf8')),
    );
    const result = buildSpackPipeline(inputs, {
      settings: parseSettings('settings.yaml', settingsText),
      arch: 'amd64',
      cache: 'production',
      outputPath: 'generated/amd64/spack-pipeline',
      links: 'wait-jobs',
      limits: { maxYamlBytes: 30_000, maxNeeds: 50, maxDepth: 2, maxArtifactBytes: 5 * 1024 * 1024, maxTriggerIncludes: 3, maxDownstreamPipelines: 1000 },
    });
    const docs = result.pipelines.slice(1).map((file) => parse(file.text) as Record<string, Record<string, unknown>>);
    const withWaits = docs.find((doc) => doc[WAIT_TEMPLATE])!;
    script = (withWaits[WAIT_TEMPLATE]!.script as string[]).join('\n');
    waits = Object.entries(withWaits)
      .filter(([, job]) => job.extends === WAIT_TEMPLATE)
      .map(([name, job]) => ({ name, variables: job.variables as Record<string, string> }));
  });
  /** The build cache as the commands reach it. */
  const cache = () =>
    new S3Bucket(
      buildCacheClient(
        { endpoint: s3.endpoint, region: 'us-east-1', accessKeyVariable: 'KEY', secretKeyVariable: 'SECRET' },
        { KEY: TEST_CREDENTIALS.accessKeyId, SECRET: TEST_CREDENTIALS.secretAccessKey },
      ),
      BUCKET,
      ignoreProgress,
    );
  afterAll(async () => {
    await s3?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  /** A wait job's script in a shell, as a runner runs it, with the variables GitLab gives it. */
  const runWait = (variables: Record<string, string>, pipeline: string) =>
    runProcess('sh', ['-c', script], project, {
      PATH: `${NODE_BIN}:${process.env.PATH}`,
      STUB_REPO: REPO_ROOT,
      // This machine's Node 20 makes the AWS SDK warn; the generator image has a current one.
      NODE_NO_WARNINGS: '1',
      ...variables,
      [BUILD_PIPELINE_VARIABLE]: pipeline,
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });

  it('ends when the spec it waits for is in the build cache, signed or not', async () => {
    expect(waits.length).toBeGreaterThan(0);
    const [first] = waits;
    const client = testS3Client(s3.endpoint);
    // Pushed a moment after the job starts, as a build in another child would.
    setTimeout(() => void client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `amd64/${first!.variables.SPACKTAINERS_SPEC_KEY}.sig`, Body: '{}' })), 500);
    const run = await runWait(first!.variables, '101');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${first!.variables.SPACKTAINERS_WAITS_FOR}: in the build cache after`);
  });

  it('fails at once, in one line naming the child, when the child building the spec failed', async () => {
    const wait = waits.at(-1)!;
    const producer = wait.variables.SPACKTAINERS_PRODUCER!;
    const env = {
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    };
    const marked = await runProcess(
      path.join(NODE_BIN, 'spacktainers'),
      ['spack', 'mark-failed', '--arch', 'amd64', '--cache', 'production', '--pipeline', '202', '--producer', producer],
      project,
      { PATH: process.env.PATH, STUB_REPO: REPO_ROOT, NODE_NO_WARNINGS: '1', ...env },
    );
    expect(marked.code, marked.stderr).toBe(0);
    const started = Date.now();
    const run = await runWait(wait.variables, '202');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`${producer} failed without building it`);
    // The marker names its run of the pipeline: another run's waits do not see it.
    expect((await cache().list('amd64/spacktainers-waits/')).map((object) => object.key)).toEqual([`amd64/spacktainers-waits/202/${producer}.failed`]);
  });

  it('gives up after its timeout with one line saying what it waited for', async () => {
    const bucket = cache();
    const target = {
      specKey: 'build_cache/never.spec.json',
      failureKey: 'spacktainers-waits/404/spack-build-001.failed',
      job: 'never@1 /abcdefg',
      producer: 'spack-build-001',
    };
    await expect(waitForSpec(bucket, 'amd64/', target, { pollMs: 50, timeoutMs: 300 }, () => undefined)).rejects.toThrow(
      /^never@1 \/abcdefg: not in the build cache \(amd64\/build_cache\/never\.spec\.json\) after 0 min; giving up$/,
    );
  });
});
