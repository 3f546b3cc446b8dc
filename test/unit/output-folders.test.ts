import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_MARKER } from '../../generator/io/fs/output.js';
import { runCli, type CliRun } from '../support/cli.js';
import { makeProject, REPO_ROOT } from '../support/project.js';

const DEFINITION = 'spack:\n  specs:\n  - zlib\n';

/** Every file below `dir`, relative to it: what a refused run must leave as it was. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function expectRefused(run: CliRun, option: string, problem: RegExp): void {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr.split('\n')).toEqual([expect.stringMatching(problem), '']);
  expect(run.stderr.startsWith(`${option}: `)).toBe(true);
}

describe('output folders are ours alone', () => {
  let project: string;
  let before: string[];
  const createJobs = (...args: string[]) => runCli(['create-jobs', '--offline', ...args], project);

  beforeAll(async () => {
    project = await makeProject({ 'amd64/zlib.yaml': DEFINITION });
    before = await tree(project);
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  for (const [output, problem] of [
    ['.', /is the project folder itself/],
    ['./', /is the project folder itself/],
    ['container_definitions', /would replace container_definitions, which spacktainers reads/],
    ['container_definitions/amd64/out', /is inside container_definitions, which spacktainers reads/],
    ['base-images', /would replace base-images/],
    ['spacktainer', /would replace spacktainer/],
    ['settings.yaml', /would replace settings\.yaml/],
    ['..', /outside the project folder/],
    ['../elsewhere', /outside the project folder/],
  ] as const) {
    it(`create-jobs --output ${output} is refused in one line and touches nothing`, async () => {
      expectRefused(await createJobs('--output', output), '--output', problem);
      expect(await tree(project)).toEqual(before);
    });
  }

  it('create-jobs refuses an absolute folder outside the project: GitLab cannot use its artifact paths', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'spacktainers-outside-'));
    try {
      expectRefused(await createJobs('--output', path.join(outside, 'generated')), '--output', /outside the project folder .*GitLab cannot find artifacts/);
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses an existing folder it did not write, unless it is empty', async () => {
    await mkdir(path.join(project, 'mine'));
    await writeFile(path.join(project, 'mine/notes.txt'), 'my notes\n');
    expectRefused(await createJobs('--output', 'mine'), '--output', /mine holds files spacktainers did not write .*remove it or give another folder/);
    expect(await readFile(path.join(project, 'mine/notes.txt'), 'utf8')).toBe('my notes\n');

    await mkdir(path.join(project, 'empty'));
    expect((await createJobs('--output', 'empty')).code).toBe(0);
    expect(await readdir(path.join(project, 'empty'))).toContain(OUTPUT_MARKER);
    await rm(path.join(project, 'mine'), { recursive: true });
    await rm(path.join(project, 'empty'), { recursive: true });
  });

  it('replaces its own folder as a whole, marker included, and leaves no staging folder behind', async () => {
    const first = await createJobs('--output', 'out/generated');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    await writeFile(path.join(project, 'out/generated/stale.yml'), 'left by an older run\n');
    const second = await createJobs('--output', 'out/generated');
    expect(second.code).toBe(0);
    const files = await tree(path.join(project, 'out/generated'));
    expect(files).toContain(OUTPUT_MARKER);
    expect(files).toContain('spacktainers.yml');
    expect(files).not.toContain('stale.yml');
    expect(await readdir(path.join(project, 'out'))).toEqual(['generated']);
    // The artifact paths are the folder as given, relative to the project.
    expect(await readFile(path.join(project, 'out/generated/spacktainers.yml'), 'utf8')).toContain('out/generated/amd64/');

    // A failing run leaves the previous output exactly as it was, and nothing beside it.
    await writeFile(path.join(project, 'container_definitions/amd64/broken.yaml'), 'spack: [\n');
    expect((await createJobs('--output', 'out/generated')).code).toBe(1);
    expect(await tree(path.join(project, 'out/generated'))).toEqual(files);
    expect(await readdir(path.join(project, 'out'))).toEqual(['generated']);
    await rm(path.join(project, 'container_definitions/amd64/broken.yaml'));
    await rm(path.join(project, 'out'), { recursive: true });
  });

  it('nested outputs keep working: create-jobs writes generated/, the jobs after it write folders inside it, again and again', async () => {
    await cp(path.join(REPO_ROOT, 'examples'), path.join(project, 'examples'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(project, 'bundled'), { recursive: true });
    for (let run = 0; run < 2; run++) {
      const demo = await runCli(['demo', '--definitions', 'bundled'], project);
      expect(demo.stderr).toBe('');
      expect(demo.code).toBe(0);
    }
    for (const folder of ['generated', 'generated/amd64/spack-pipeline', 'generated/amd64/containers']) {
      expect(await readdir(path.join(project, folder))).toContain(OUTPUT_MARKER);
    }
    await rm(path.join(project, 'generated'), { recursive: true });
    await rm(path.join(project, 'examples'), { recursive: true });
    await rm(path.join(project, 'bundled'), { recursive: true });
  });

  it('process-spack-pipeline refuses the project folder, the definitions and its own input', async () => {
    const spack = (output: string) => runCli(['process-spack-pipeline', '--input', 'container_definitions', '--output', output], project);
    expectRefused(await spack('.'), '--output', /is the project folder itself/);
    expectRefused(await spack('container_definitions'), '--output', /would replace container_definitions/);
    expectRefused(await spack('/tmp'), '--output', /outside the project folder/);
    expect(await tree(project)).toEqual(before);
  });

  it('container-jobs refuses a --generated folder outside the project', async () => {
    const run = await runCli(['container-jobs', '--arch', 'amd64', '--offline', '--generated', '/tmp/generated'], project);
    expectRefused(run, '--generated', /\/tmp\/generated\/amd64\/containers is outside the project folder/);
  });
});
