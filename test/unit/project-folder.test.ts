import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/project.js';

/**
 * `--project` and the package's defaults: a command runs in the project folder whatever the
 * current one, and each base image folder and the Dockerfile template the project does not
 * have come from the package.
 */
describe('--project and the defaults the package ships', () => {
  let work: string;
  let project: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'spacktainers-project-folder-'));
    project = path.join(work, 'project');
    await cp(path.join(REPO_ROOT, 'container_definitions/amd64/numpy.yaml'), path.join(project, 'container_definitions/amd64/numpy.yaml'));
    await cp(path.join(REPO_ROOT, 'settings.yaml'), path.join(project, 'settings.yaml'));
    // The project's own runtime image; the builder and singularitah stay the package's.
    await mkdir(path.join(project, 'base-images/runtime'), { recursive: true });
    await writeFile(path.join(project, 'base-images/runtime/Dockerfile'), 'FROM debian:bookworm-slim\n');
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('takes the settings, definitions and output folder from --project, not from the current folder', async () => {
    const created = await runCli(['create-jobs', '--offline', '--project', 'project'], work);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const pipeline = await readFile(path.join(project, 'generated/base-images.yml'), 'utf8');
    expect(pipeline).toContain('--file base-images/runtime/Dockerfile');
    expect(pipeline).toContain('--file generated/base-images/builder/Dockerfile');
    expect(pipeline).toContain('--file generated/base-images/singularitah/Dockerfile');
    expect(await readFile(path.join(project, 'generated/base-images/builder/Dockerfile'), 'utf8')).toBe(
      await readFile(path.join(REPO_ROOT, 'base-images/builder/Dockerfile'), 'utf8'),
    );
    await expect(readFile(path.join(project, 'generated/base-images/runtime/Dockerfile'))).rejects.toThrow();
  });

  it("writes each Spack container's Dockerfile from the package's template, or the project's own", async () => {
    const demo = () => runCli(['demo', '--project', 'project', '--examples', path.join(REPO_ROOT, 'examples/spack-outputs')], work);
    const dockerfile = () => readFile(path.join(project, 'generated/amd64/containers/numpy/Dockerfile'), 'utf8');
    expect((await demo()).code).toBe(0);
    expect(await dockerfile()).toContain(await readFile(path.join(REPO_ROOT, 'spacktainer/Dockerfile'), 'utf8'));
    await mkdir(path.join(project, 'spacktainer'));
    await writeFile(path.join(project, 'spacktainer/Dockerfile'), 'FROM scratch\n');
    expect((await demo()).code).toBe(0);
    expect(await dockerfile()).toMatch(/^FROM scratch\n/);
  });

  it('names --project when the folder is missing or a file', async () => {
    const missing = await runCli(['validate', '--project', 'nowhere'], work);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('--project: nowhere does not exist\n');
    const file = await runCli(['validate', '--project', 'project/settings.yaml'], work);
    expect(file.stderr).toBe('--project: project/settings.yaml is not a folder\n');
  });
});
