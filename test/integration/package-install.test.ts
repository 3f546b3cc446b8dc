import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackage } from '../support/package.js';
import { filesBelow, REPO_ROOT } from '../support/project.js';

const run = promisify(execFile);

/**
 * What a platform engineer does with a release: install the packed tarball into an empty folder
 * and point the installed command at a project repository that holds only what its users edit,
 * definitions and settings. Everything else (base images, the Dockerfile template) must come from
 * the package, and the output must be the checkout's, byte for byte. The tarball is packed from
 * the build `npm run setup:test` made, and installed from npm's cache that `npm ci` filled.
 */
describe('the packed package, installed into an empty folder', () => {
  let work: string;
  let installed: string;
  let files: string[];

  /** A project of two architectures' definitions and the settings, nothing else. */
  async function definitionsOnlyProject(name: string): Promise<string> {
    const project = path.join(work, name);
    const definitions = path.join(project, 'container_definitions');
    for (const entry of ['amd64/numpy.yaml', 'amd64/hdf5-mpi', 'arm64/numpy.yaml']) {
      await cp(path.join(REPO_ROOT, 'container_definitions', entry), path.join(definitions, entry), { recursive: true });
    }
    await cp(path.join(REPO_ROOT, 'settings.yaml'), path.join(project, 'settings.yaml'));
    return project;
  }

  /** Run a spacktainers command from `bin` with `--project`, from the folder the package is installed in. */
  async function spacktainers(bin: string, project: string, ...args: string[]): Promise<string> {
    const { stdout } = await run(process.execPath, [bin, ...args, '--project', project], {
      cwd: path.dirname(installed),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: '1' },
    });
    // GitLab log sections carry the time they were printed.
    return stdout.replace(/section_(start|end):\d+/g, 'section_$1');
  }

  /** validate, create-jobs, the bundled generate outputs of amd64 in place of its jobs, plan. */
  async function generate(bin: string, project: string): Promise<{ stdout: string[]; files: Record<string, string> }> {
    const stdout = [await spacktainers(bin, project, 'validate'), await spacktainers(bin, project, 'create-jobs', '--offline')];
    for (const name of ['numpy', 'hdf5-mpi']) {
      await cp(path.join(REPO_ROOT, 'examples/spack-outputs/amd64', name), path.join(project, 'generated/amd64/spack-outputs', name), { recursive: true });
    }
    stdout.push(
      await spacktainers(bin, project, 'plan', '--arch', 'amd64', '--input', 'generated/amd64/spack-outputs', '--output', 'generated/amd64/spack-pipeline'),
    );
    return { stdout, files: await filesBelow(path.join(project, 'generated')) };
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'spacktainers-package-'));
    const packed = await packPackage(work);
    files = packed.files;
    const target = path.join(work, 'install');
    await mkdir(target);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', packed.tarball], { cwd: target });
    installed = path.join(target, 'node_modules', '.bin', 'spacktainers');
  }, 120_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('ships the built CLI, the defaults and the documents, and no tests, benchmarks or sources', () => {
    for (const file of ['bin/spacktainers.js', 'dist/generator/cli/main.js', 'base-images/builder/Dockerfile', 'spacktainer/Dockerfile', 'settings.yaml']) {
      expect(files).toContain(file);
    }
    for (const file of ['schemas/settings.schema.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) expect(files).toContain(file);
    expect(files.filter((file) => /^(dist\/(test|bench)|generator|test|bench|examples|container_definitions)\//.test(file) || file.endsWith('.map'))).toEqual(
      [],
    );
  });

  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await run(process.execPath, [installed, '--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('validates, creates the jobs and plans for a project of definitions and settings only, as the checkout does', async () => {
    const fromPackage = await generate(installed, await definitionsOnlyProject('project'));
    expect(fromPackage.stdout[0]).toContain('3 definitions valid');
    // The base images the project does not have are the package's, built from create-jobs' artifacts.
    for (const name of ['builder', 'runtime', 'singularitah']) expect(fromPackage.files[`base-images/${name}/Dockerfile`]).toBeDefined();
    const baseImages = Buffer.from(fromPackage.files['base-images.yml']!, 'base64').toString();
    expect(baseImages).toContain('--file generated/base-images/builder/Dockerfile');
    expect(baseImages).toContain('job: create-jobs');
    expect(Object.keys(fromPackage.files)).toEqual(expect.arrayContaining(['spacktainers.yml', 'amd64/spack-generate.sh', 'arm64/spack-generate.sh']));
    expect(fromPackage.stdout[2]).toContain('numpy');

    const fromCheckout = await generate(path.join(REPO_ROOT, 'bin', 'spacktainers.js'), await definitionsOnlyProject('checkout'));
    expect(fromPackage).toEqual(fromCheckout);
  });
});
