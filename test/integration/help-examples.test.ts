import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../generator/cli/main.js';
import { runBuiltCli, runCli } from '../support/cli.js';
import { artifactsZip, FakeGitlab } from '../support/gitlab-server.js';
import { REPO_ROOT } from '../support/project.js';
import { pushTestImage, startRegistry, type TestRegistry } from '../support/registry.js';
import { startS3, testS3Client, type TestS3 } from '../support/s3.js';

/** What the project holds that examples name: the bundled project of the repository root. */
const PROJECT_ITEMS = ['container_definitions', 'settings.yaml', 'base-images', 'spacktainer', 'examples', 'test/e2e/project/container_definitions'];

/** The words of an example as a shell splits them (the examples quote with double quotes only). */
function words(example: string): string[] {
  return [...example.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] === undefined ? m[2]! : m[1].replace(/\\(["\\$`])/g, '$1')));
}

const examples = commands.flatMap((command) => (command.usage?.examples ?? []).map(([label, example]) => ({ label, args: words(example).slice(1) })));

describe('every example in --help runs against the bundled project', () => {
  let project: string;
  let registry: TestRegistry;
  let s3: TestS3;
  const gitlab = new FakeGitlab();
  let env: Record<string, string>;

  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'spacktainers-examples-'));
    for (const item of PROJECT_ITEMS) await cp(path.join(REPO_ROOT, item), path.join(project, item), { recursive: true });
    [registry, s3] = await Promise.all([startRegistry(), startS3({ buckets: ['spacktainers-sif', 'spack-build-cache', 'spack-build-cache-dev'] })]);
    // The .def container's base image, from the test registry rather than Docker Hub.
    const def = path.join(project, 'container_definitions/amd64/ubuntu-tools.def');
    await writeFile(def, (await readFile(def, 'utf8')).replace('docker.io/library/ubuntu', `${registry.host}/library/ubuntu`));
    await pushTestImage(registry.endpoint, 'library/ubuntu', '24.04', { content: 'ubuntu' });
    // The pipelines the gitlab examples read: 1234 of the default branch, its child through `containers`.
    const lock = await readFile(path.join(REPO_ROOT, 'examples/spack-outputs/amd64/numpy/spack.lock'));
    gitlab.pipelines.push({ id: 1234, ref: 'main', status: 'success' }, { id: 1235, ref: 'main', status: 'success', source: 'parent_pipeline' });
    gitlab.jobs.set(1234, [
      { id: 1, name: 'spack-generate:amd64', status: 'success', archive: artifactsZip({ 'generated/amd64/spack-outputs/numpy/spack.lock': lock }) },
    ]);
    gitlab.bridges.set(1234, [{ id: 2, name: 'containers', status: 'success', downstream: { id: 1235, status: 'success' } }]);
    gitlab.jobs.set(1235, [
      { id: 3, name: 'container-jobs:amd64', status: 'success', archive: artifactsZip({ 'generated/amd64/containers/containers.yml': 'x: 1\n' }) },
    ]);
    gitlab.branches.push({ name: 'main', default: true });
    env = {
      ...gitlab.ciVariables(await gitlab.start()),
      CI_MERGE_REQUEST_IID: '7',
      CI_COMMIT_REF_NAME: 'feature',
      CI_DEFAULT_BRANCH: 'main',
      SPACKTAINERS_REGISTRY_HOST: registry.host,
      SPACKTAINERS_DOCKER_HUB_HOST: registry.host,
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    // What the examples take as given: the generate jobs' outputs, a converted SIF and its executables.
    expect((await runCli(['demo'], project, env)).code).toBe(0);
    await writeFile(path.join(project, 'numpy-1.26.1.sif'), 'SIF');
    await writeFile(path.join(project, 'executables.txt'), 'python3\n');
    await writeFile(path.join(project, 'durations.json'), '{"jobs": {}, "packages": {"python": 1800}}\n');
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), s3?.stop(), gitlab.stop()]);
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('finds examples in every command', () => {
    const without = commands.filter((command) => (command.usage?.examples ?? []).length === 0).map((command) => command.paths[0]!.join(' '));
    expect(without).toEqual([]);
  });

  for (const { label, args } of examples) {
    it(`${label}: spacktainers ${args.join(' ')}`, async () => {
      // create-jobs replaces generated/ as a whole, the generate jobs' outputs with it.
      if (!existsSync(path.join(project, 'generated/amd64/spack-outputs'))) expect((await runCli(['demo'], project, env)).code).toBe(0);
      // The spec the `spack wait` example waits for, as Spack pushes it, there only while it runs:
      // the janitor's examples read every spec file of the cache.
      const waited =
        args[0] === 'spack' && args[1] === 'wait' ? { Bucket: 'spack-build-cache', Key: `amd64/${args[args.indexOf('--spec-key') + 1]}` } : undefined;
      if (waited) await testS3Client(s3.endpoint).send(new PutObjectCommand({ ...waited, Body: '{}' }));
      const run = await runCli(args, project, env);
      if (waited) await testS3Client(s3.endpoint).send(new DeleteObjectCommand(waited));
      expect(
        run.stderr
          .split('\n')
          .filter((line) => !line.startsWith('warning: '))
          .join('\n'),
        run.stdout,
      ).not.toMatch(/\(see spacktainers/);
      expect(run.code, run.stderr).toBe(0);
    });
  }

  it('prints the help without colour on a pipe, and with it when FORCE_COLOR asks', async () => {
    const plain = await runBuiltCli(['plan', '--help'], project, { TERM: 'xterm-256color' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('$ spacktainers plan --input DIR [options]');
    expect(plain.stdout).not.toContain('\x1b');
    const forced = await runBuiltCli(['--help'], project, { TERM: 'xterm-256color', FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\x1b[1m');
    expect((await runBuiltCli(['--help'], project, { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).toContain('\x1b[1m');
  });

  it('validate --json prints what it found, and the problems of wrong input with exit code 1', async () => {
    const valid = await runBuiltCli(['validate', '--json'], project);
    expect(valid.code).toBe(0);
    const report = JSON.parse(valid.stdout);
    expect(Object.keys(report)).toEqual(['valid', 'definitions', 'switchedOff', 'warnings', 'problems']);
    expect(report.valid).toBe(true);
    expect(report.definitions).toContainEqual({ arch: 'amd64', name: 'numpy', kind: 'spack', file: 'container_definitions/amd64/numpy.yaml', warnings: [] });
    expect(report.switchedOff).toEqual(['container_definitions/amd64/_paraview.yaml']);
    const numpy = path.join(project, 'container_definitions/arm64/numpy.yaml');
    const text = await readFile(numpy, 'utf8');
    await writeFile(numpy, `${text}  concretiser: {}\n`);
    try {
      const wrong = await runBuiltCli(['validate', '--json'], project);
      expect(wrong.code).toBe(1);
      expect(JSON.parse(wrong.stdout)).toEqual({
        valid: false,
        definitions: [],
        switchedOff: [],
        warnings: [],
        problems: [
          {
            file: 'container_definitions/arm64/numpy.yaml',
            line: expect.any(Number),
            column: 3,
            key: 'spack.concretiser',
            message: expect.stringMatching(/^container_definitions\/arm64\/numpy\.yaml:\d+:3: spack\.concretiser: unknown key to Spack/),
          },
        ],
      });
      expect(wrong.stderr).toMatch(/^container_definitions\/arm64\/numpy\.yaml:\d+:3: spack\.concretiser: /);
    } finally {
      await writeFile(numpy, text);
    }
  });
});
