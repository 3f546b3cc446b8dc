import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../generator/io/retry.js';
import { s3Client } from '../../generator/io/s3/client.js';
import { uploadSif } from '../../generator/app/sif-upload.js';
import { SifBucket } from '../../generator/io/s3/sif-bucket.js';
import { sifObjectKey } from '../../generator/sif/store.js';
import { runCli } from '../support/cli.js';
import { collectedProgress, ignoreProgress } from '../support/progress.js';
import { makeProject } from '../support/project.js';
import { startS3, TEST_CREDENTIALS, type TestS3 } from '../support/s3.js';

describe('SIF upload to S3 (s3rver)', () => {
  let s3: TestS3;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3({ buckets: ['sifs'] });
    dir = await mkdtemp(path.join(tmpdir(), 'spacktainers-sif-'));
  });
  afterAll(async () => {
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names objects after the container and its tag', () => {
    expect(sifObjectKey('numpy', '1.26.1__my-branch-arm64')).toBe('numpy/numpy-1.26.1__my-branch-arm64.sif');
  });

  it('uploads large files in parts, with the metadata, and skips an identical object', async () => {
    const file = path.join(dir, 'big.sif');
    await writeFile(file, Buffer.alloc(11 * 1024 * 1024, 7));
    const metadata = { 'spack-lock-digest': 'sha256:aa', 'container-checksum': 'sha256:bb' };
    // The client SifBucket is made with: its answers (a 404 on a missing object) come through the retry middleware.
    const client = s3Client(
      { endpoint: s3.endpoint, region: 'us-east-1', accessKeyVariable: 'KEY', secretKeyVariable: 'SECRET' },
      { KEY: TEST_CREDENTIALS.accessKeyId, SECRET: TEST_CREDENTIALS.secretAccessKey },
      { policy: DEFAULT_RETRY, log: ignoreProgress },
    );
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName!);
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    const progress = collectedProgress();
    expect(await uploadSif(new SifBucket(client, 'sifs', progress.log), 'big/big-1.0.sif', file, metadata, 5 * 1024 * 1024)).toBe('uploaded');
    // A line per part here (each passes a step of 10 %), bytes and percent; the parts go up four at a time, so in any order.
    const line = /^upload .*\/big\.sif to s3:\/\/sifs\/big\/big-1\.0\.sif: (\d+\.\d) MiB of 11\.0 MiB \((\d+)%\)$/;
    expect(progress.lines).toHaveLength(3);
    const percents = progress.lines.map((text) => Number(line.exec(text)?.[2]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(progress.lines[2]).toMatch(/: 11\.0 MiB of 11\.0 MiB \(100%\)$/);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: 'sifs', Key: 'big/big-1.0.sif' }));
    expect(head.ContentLength).toBe(11 * 1024 * 1024);
    expect(commands.filter((c) => c !== 'HeadObjectCommand')).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    client.middlewareStack.remove('recordCommands');
    expect(await new SifBucket(client, 'sifs', ignoreProgress).metadata('big/big-1.0.sif')).toEqual(metadata);
    expect(await uploadSif(new SifBucket(client, 'sifs', ignoreProgress), 'big/big-1.0.sif', file, metadata)).toBe('unchanged');
    expect(await uploadSif(new SifBucket(client, 'sifs', ignoreProgress), 'big/big-1.0.sif', file, { ...metadata, 'container-checksum': 'sha256:cc' })).toBe(
      'uploaded',
    );
    expect(await new SifBucket(client, 'sifs', ignoreProgress).metadata('missing.sif')).toBeUndefined();
  });

  it('`spacktainers sif upload` reads the bucket from the settings and credentials from the named variables', async () => {
    const project = await makeProject({});
    await writeFile(path.join(project, 'tool.sif'), 'sif bytes');
    const env = {
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      SPACKTAINERS_S3_SIF_BUCKET: 'sifs',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const args = ['sif', 'upload', '--file', 'tool.sif', '--key', 'tool/tool-1.0.sif', '--metadata', 'container-checksum=sha256:01'];
    const first = await runCli(args, project, env);
    // One part: no progress to tell.
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('uploaded tool.sif to s3://sifs/tool/tool-1.0.sif\n');
    expect((await runCli(args, project, env)).stdout).toContain('already holds this container');
    const bad = await runCli(['sif', 'upload', '--file', 'tool.sif', '--key', 'k', '--metadata', 'Bad Key=1'], project, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'spacktainers sif upload: --metadata: Bad Key=1: expected key=value with a lowercase key of letters, digits and - (see spacktainers sif upload --help)\n',
    );
  });
});
