import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeProject, REPO_ROOT } from '../support/project.js';

const numpy = readFile(path.join(REPO_ROOT, 'container_definitions/amd64/numpy.yaml'), 'utf8');

/** A project with the given definitions, create-jobs run and the bundled Spack outputs in place. */
async function projectWith(definitions: Record<string, string>): Promise<string> {
  const root = await makeProject(definitions);
  expect((await runCli(['create-jobs', '--offline'], root)).code).toBe(0);
  await cp(path.join(REPO_ROOT, 'examples/spack-outputs/amd64/numpy'), path.join(root, 'generated/amd64/spack-outputs/numpy'), { recursive: true });
  return root;
}

async function expectNothingWritten(root: string): Promise<void> {
  await expect(readdir(path.join(root, 'generated/amd64/containers'))).rejects.toThrow();
}

describe('container-jobs refuses bad input, writing nothing', () => {
  it('a Spack container whose spack.lock is missing', async () => {
    const root = await projectWith({ 'amd64/numpy.yaml': await numpy });
    await rm(path.join(root, 'generated/amd64/spack-outputs/numpy/spack.lock'));
    const run = await runCli(['container-jobs', '--arch', 'amd64', '--offline'], root);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('container_definitions/amd64/numpy.yaml: no spack.lock for "numpy": its generate job did not run or failed\n');
    await expectNothingWritten(root);
  });

  it('a version that does not make a valid tag (a long From: tag plus the branch suffix)', async () => {
    const tag = `24.04-${'x'.repeat(110)}`;
    const root = await projectWith({ 'amd64/numpy.yaml': await numpy, 'amd64/long.def': `Bootstrap: docker\nFrom: ubuntu:${tag}\n` });
    const run = await runCli(['container-jobs', '--arch', 'amd64', '--offline'], root, {
      CI_COMMIT_REF_NAME: 'a-rather-long-branch-name',
      CI_DEFAULT_BRANCH: 'main',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `container_definitions/amd64/long.def: From: version "${tag}" does not make a valid image tag ("${tag}__a-rather-long-branch-name")\n`,
    );
    await expectNothingWritten(root);
  });

  it('a .def without From:', async () => {
    const root = await projectWith({ 'amd64/numpy.yaml': await numpy });
    await cp(path.join(REPO_ROOT, 'container_definitions/amd64/ubuntu-tools.def'), path.join(root, 'container_definitions/amd64/ok.def'));
    await writeFile(path.join(root, 'container_definitions/amd64/bad.def'), 'Bootstrap: docker\n%post\n  true\n');
    const run = await runCli(['container-jobs', '--arch', 'amd64', '--offline'], root);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('container_definitions/amd64/bad.def:1:1: From: missing "From: image:tag" header\n');
    await expectNothingWritten(root);
  });
});
