import { cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ciContext } from '../../generator/pipeline/ci-context.js';
import { publishGroups } from '../../generator/app/publish-split.js';
import { DEFAULT_LIMITS, limitViolations, readPipelineFile } from '../../generator/pipeline/limits.js';
import { loadDefinitions, loadSettings } from '../../generator/app/project.js';
import { runCli } from '../support/cli.js';
import { gitlabCiLocal, initGitRepository } from '../support/gitlab-ci-local.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';
import { pipelineDepths, pipelineJobsOf, readRootPipeline } from '../support/pipeline-tree.js';
import { BUNDLED_ARCHITECTURES, makeProject, REPO_ROOT } from '../support/project.js';

const BUDGET = 30_000;
const limits = { ...DEFAULT_LIMITS, maxYamlBytes: BUDGET };
/** Out of order on purpose, and with names whose code-point order is not a locale's. */
const NAMES = ['m-10', 'a', 'm-9', 'a_b', 'k', 'a1', 'm-1', 'a.d', 'e', 'f', 'g', 'h'];
const codePointSorted = (names: string[]) => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const numpy = () => readFile(path.join(REPO_ROOT, 'container_definitions/amd64/numpy.yaml'), 'utf8');
const ubuntuDef = () => readFile(path.join(REPO_ROOT, 'container_definitions/amd64/ubuntu-tools.def'), 'utf8');

/** A project with these Spack containers on both architectures, plus a .def on amd64. */
async function projectWith(names: string[]): Promise<string> {
  const definitions: Record<string, string> = { 'amd64/ubuntu-tools.def': await ubuntuDef() };
  for (const name of names) for (const arch of ['amd64', 'arm64']) definitions[`${arch}/${name}.yaml`] = await numpy();
  return makeProject(definitions);
}

/** Stand in for the generate jobs: every container concretized as the bundled numpy. */
async function concretize(project: string, names: string[]): Promise<void> {
  for (const arch of ['amd64', 'arm64']) {
    for (const name of names) {
      const outputs = path.join(project, 'generated', arch, 'spack-outputs', name);
      await mkdir(outputs, { recursive: true });
      await cp(path.join(REPO_ROOT, 'examples/spack-outputs/amd64/numpy/spack.lock'), path.join(outputs, 'spack.lock'));
    }
  }
}

describe('the publishing pipeline split into groups of containers under a small YAML budget', () => {
  let project: string;
  /** Every pipeline file written, relative to the project, with its text. */
  const files = new Map<string, string>();
  let main: Record<string, { needs?: unknown[]; script?: string[]; trigger?: { include: { artifact: string; job: string }[]; strategy: string } }>;

  beforeAll(async () => {
    project = await projectWith(NAMES);
    const created = await runCli(['create-jobs', '--offline', '--max-yaml-bytes', String(BUDGET)], project);
    expect([created.code, created.stderr]).toEqual([0, '']);
    await concretize(project, NAMES);
    for (const arch of ['amd64', 'arm64']) {
      const run = await runCli(['container-jobs', '--arch', arch, '--offline', '--max-yaml-bytes', String(BUDGET)], project);
      expect([run.code, run.stderr]).toEqual([0, '']);
    }
    files.set('generated/spacktainers.yml', await readFile(path.join(project, 'generated/spacktainers.yml'), 'utf8'));
    for (const arch of ['amd64', 'arm64']) {
      const folder = `generated/${arch}/containers`;
      for (const file of (await readdir(path.join(project, folder))).filter((f) => f.endsWith('.yml')).sort()) {
        files.set(`${folder}/${file}`, await readFile(path.join(project, folder, file), 'utf8'));
      }
    }
    main = parse(files.get('generated/spacktainers.yml')!);
  });

  const groupFiles = (arch: string) => [...files.keys()].filter((file) => file.startsWith(`generated/${arch}/containers/`));
  const containersOf = (file: string) => [...pipelineJobsOf(files.get(file)!).keys()].map((job) => job.replace(/^[a-z-]+:/, ''));

  it('writes several publishing pipelines per architecture, each triggered from the containers pipeline', () => {
    for (const arch of ['amd64', 'arm64']) {
      const written = groupFiles(arch);
      expect(written.length).toBeGreaterThan(2);
      expect(written.map((file) => path.basename(file))).toEqual(written.map((_, index) => `containers-${String(index + 1).padStart(3, '0')}.yml`));
      const triggers = Object.entries(main).filter(([name]) => name.startsWith(`containers:${arch}:`));
      expect(triggers.map(([, job]) => job.trigger!.include[0]!.artifact)).toEqual(written);
      for (const [, job] of triggers) {
        expect(job.trigger).toMatchObject({ include: [{ job: `container-jobs:${arch}` }], strategy: 'depend' });
        expect(job.needs).toEqual([`container-jobs:${arch}`]);
      }
      // container-jobs divides the containers as create-jobs did.
      expect(main[`container-jobs:${arch}`]!.script).toContain(`spacktainers container-jobs --arch ${arch} --generated generated --max-yaml-bytes ${BUDGET}`);
    }
    expect(main['containers:amd64']).toBeUndefined();
  });

  it('puts every container in exactly one group, in code-point order of the names', () => {
    const amd = groupFiles('amd64').map(containersOf);
    const unique = (names: string[]) => names.filter((name, index) => names.indexOf(name) === index);
    expect(unique(amd.flat())).toEqual(codePointSorted([...NAMES, 'ubuntu-tools']));
    // A Spack container's image and SIF jobs are in one group: the SIF job needs the image job.
    expect(amd.map(unique).flat()).toEqual(codePointSorted([...NAMES, 'ubuntu-tools']));
    expect(unique(groupFiles('arm64').map(containersOf).flat())).toEqual(codePointSorted(NAMES));
  });

  it('makes multi-arch-manifests wait for every publishing pipeline of both architectures', () => {
    const triggers = Object.keys(main).filter((name) => /^containers:(amd64|arm64):\d+$/.test(name));
    expect(main['multi-arch-manifests']!.needs).toEqual([
      { pipeline: '$PARENT_PIPELINE_ID', job: 'process-spack-pipeline:amd64' },
      { pipeline: '$PARENT_PIPELINE_ID', job: 'process-spack-pipeline:arm64' },
      ...triggers,
    ]);
  });

  it("keeps every file within the budget and GitLab's other limits at its depth, and valid against GitLab's schema", async () => {
    const root = (await readRootPipeline(REPO_ROOT)).jobs;
    const { found } = pipelineDepths(root, (artifact) => files.get(artifact));
    expect(new Set(found.keys())).toEqual(new Set(files.keys()));
    for (const [file, text] of files) {
      expect([file, found.get(file)]).toEqual([file, file.endsWith('spacktainers.yml') ? 1 : 2]);
      expect([file, gitlabSchemaErrors(text), limitViolations(readPipelineFile(file, found.get(file)!, text), limits)]).toEqual([file, [], []]);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(BUDGET);
    }
  });

  it('gitlab-ci-local accepts every file and lists every job', async () => {
    await initGitRepository(project);
    for (const [file, text] of files) {
      const run = await gitlabCiLocal(project, file, ['--list-json'], {
        CI_PIPELINE_SOURCE: 'parent_pipeline',
        PARENT_PIPELINE_ID: '1',
        CI_COMMIT_BRANCH: 'main',
      });
      expect([file, run.code]).toEqual([file, 0]);
      const listed = (JSON.parse(run.stdout) as { name: string }[]).map((job) => job.name).sort();
      expect([file, listed]).toEqual([file, [...pipelineJobsOf(text).keys()].sort()]);
    }
  });

  it('keeps the groups of the containers before one that is added', async () => {
    const settings = await loadSettings(path.join(project, 'settings.yaml'), {});
    const definitions = (await loadDefinitions(path.join(project, 'container_definitions'), project, BUNDLED_ARCHITECTURES)).definitions;
    const input = { settings, context: ciContext(settings, {}), arch: 'amd64' as const, generatedRoot: 'generated', limits };
    const before = publishGroups({ ...input, definitions });
    const added = await projectWith([...NAMES, 'j']);
    const after = publishGroups({
      ...input,
      definitions: (await loadDefinitions(path.join(added, 'container_definitions'), added, BUNDLED_ARCHITECTURES)).definitions,
    });
    const untouched = before.findIndex((group) => group.names.some((name) => name > 'j'));
    expect(untouched).toBeGreaterThan(0);
    expect(after.slice(0, untouched)).toEqual(before.slice(0, untouched));
    expect(after.flatMap((group) => group.names)).toEqual(codePointSorted([...before.flatMap((group) => group.names), 'j']));
  });
});

describe('publishing pipelines that cannot be within the limits', () => {
  const failsInOneLine = async (project: string, args: string[], message: RegExp) => {
    const run = await runCli(args, project);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    await expect(stat(path.join(project, 'generated'))).rejects.toThrow(/ENOENT/);
  };

  it('one container over the budget: create-jobs names its definition, in one line, and writes nothing', async () => {
    const project = await projectWith(['a', 'b']);
    await failsInOneLine(
      project,
      ['create-jobs', '--offline', '--max-yaml-bytes', '4000'],
      /^container_definitions\/amd64\/a\.yaml: the publishing jobs of "a" can take \d+ bytes of YAML, over the budget of \d+ bytes per publishing pipeline\n$/,
    );
  });

  it('more publishing pipelines than multi-arch-manifests may wait for: one line, nothing written', async () => {
    const names = Array.from({ length: 26 }, (_, index) => `c${String(index).padStart(2, '0')}`);
    const project = await projectWith(names);
    await failsInOneLine(
      project,
      ['create-jobs', '--offline', '--max-yaml-bytes', '9000'],
      /^container_definitions: the containers need \d+ for amd64, 26 for arm64 publishing pipelines, and multi-arch-manifests would wait for \d+ jobs, over the 50 needs GitLab allows\n$/,
    );
  });
});
