import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ESTIMATE_SECONDS,
  durationsOf,
  estimateOf,
  formatDurations,
  isBuildJobName,
  packageOf,
  parseDurations,
  type Durations,
} from '../../generator/spack/durations.js';
import { parseSpackPipeline } from '../../generator/spack/generate-output-parser.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/project.js';

const ZLIB = 'zlib-ng@2.1.4 /3ig4ymd %gcc@12.2.0 arch=linux-debian12-x86_64_v3';
const durations: Durations = {
  jobs: new Map([[ZLIB, 95]]),
  packages: new Map([
    ['zlib-ng', 80],
    ['python', 1200.5],
  ]),
};

describe('estimates from earlier build times', () => {
  it("takes the job's own time, else its package's median, else the default", () => {
    expect(estimateOf(durations, ZLIB)).toEqual({ seconds: 95, source: 'job' });
    expect(estimateOf(durations, 'zlib-ng@2.2.1 /aaaaaaa %gcc@12.2.0 arch=linux-debian12-x86_64_v3')).toEqual({ seconds: 80, source: 'package' });
    expect(estimateOf(durations, 'cmake@3.27.7 /nu6lbkv %gcc@12.2.0 arch=linux-debian12-x86_64_v3')).toEqual({
      seconds: DEFAULT_ESTIMATE_SECONDS,
      source: 'default',
    });
    // A name that is a key of every object is still only a name.
    expect(estimateOf(durations, 'constructor@1 /aaaaaaa').source).toBe('default');
  });

  it('recognises the build jobs by the names spack ci generate gives them, and their package', () => {
    for (const fixture of ['small', 'medium', 'mpi']) {
      const file = path.join(REPO_ROOT, 'fixtures/spack', fixture, 'pipeline.yml');
      const pipeline = parseSpackPipeline(file, readFileSync(file, 'utf8'));
      expect(pipeline.buildJobs.length).toBeGreaterThan(0);
      for (const job of pipeline.buildJobs) expect(isBuildJobName(job.name), job.name).toBe(true);
    }
    for (const other of ['rebuild-index', 'no-specs-to-rebuild', 'collect-child-pipelines', 'spack-generate:amd64', 'spack-build-001', 'publish numpy@1.26.1'])
      expect(isBuildJobName(other), other).toBe(false);
    expect(packageOf(ZLIB)).toBe('zlib-ng');
    expect(packageOf('ca-certificates-mozilla@2023-05-30 /nt2kfyc')).toBe('ca-certificates-mozilla');
  });

  it("keeps each job's latest run and each package's median, in tenths of a second", () => {
    const found = durationsOf([
      { id: 20, name: ZLIB, seconds: 90.04 },
      { id: 10, name: ZLIB, seconds: 300 },
      { id: 30, name: 'zlib-ng@2.2.1 /aaaaaaa', seconds: 61 },
      { id: 31, name: 'zlib-ng@2.2.2 /bbbbbbb', seconds: 70 },
      { id: 40, name: 'python@3.11.6 /yynwpjk', seconds: 1000 },
      { id: 41, name: 'python@3.12.1 /zzzzzzz', seconds: 1401 },
      { id: 50, name: 'rebuild-index', seconds: 5 },
    ]);
    expect(Object.fromEntries(found.jobs)).toEqual({
      [ZLIB]: 90,
      'zlib-ng@2.2.1 /aaaaaaa': 61,
      'zlib-ng@2.2.2 /bbbbbbb': 70,
      'python@3.11.6 /yynwpjk': 1000,
      'python@3.12.1 /zzzzzzz': 1401,
    });
    expect([...found.packages]).toEqual([
      ['python', 1200.5],
      ['zlib-ng', 70],
    ]);
  });

  it('writes keys in code-point order and reads back what it wrote', () => {
    const text = formatDurations({
      jobs: new Map([
        ['b@1 /b', 2],
        ['B@1 /a', 1],
        ['a@1 /c', 3],
      ]),
      packages: new Map([
        ['b', 2],
        ['B', 1],
        ['a', 3],
      ]),
    });
    expect(text).toBe(
      '{\n  "jobs": {\n    "B@1 /a": 1,\n    "a@1 /c": 3,\n    "b@1 /b": 2\n  },\n  "packages": {\n    "B": 1,\n    "a": 3,\n    "b": 2\n  }\n}\n',
    );
    const read = parseDurations('durations.json', text);
    expect(formatDurations(read)).toBe(text);
    expect(parseDurations('durations.json', '{"jobs": {}, "packages": {}}')).toEqual({ jobs: new Map(), packages: new Map() });
  });

  it('refuses a wrong file in one line naming the file, the place and the key', () => {
    const problem = (text: string) => {
      try {
        parseDurations('durations.json', text);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(problem('{"jobs": {"a@1 /b": -1}, "packages": {}}')).toBe('durations.json:1:21: jobs.a@1 /b: must be at least 0');
    expect(problem('{"jobs": {}, "packages": {"zlib": "slow"}}')).toBe('durations.json:1:35: packages.zlib: must be a number, got string "slow"');
    expect(problem('{"jobs": {}, "packages": {}, "pipelines": 3}')).toBe('durations.json:1:30: pipelines: unknown key (allowed here: jobs, packages)');
    expect(problem('{"jobs": {}}')).toBe('durations.json:1:1: packages: is required');
    expect(problem('[]')).toBe('durations.json:1:1: must be a mapping, got a list');
    expect(problem('{"jobs": {},\n')).toBe('durations.json:2:1: not valid JSON');
    expect(problem('jobs: {}\npackages: {}\n')).toBe('durations.json: not valid JSON');
    expect(problem('')).toBe('durations.json: not valid JSON');
  });
});

describe('plan and process-spack-pipeline --durations', () => {
  const input = path.join(REPO_ROOT, 'examples/spack-outputs/amd64');
  const settings = path.join(REPO_ROOT, 'settings.yaml');
  const python = 'python@3.11.6 /yynwpjk %gcc@12.2.0 arch=linux-debian12-x86_64_v3';
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'spacktainers-plan-durations-'));
    const known = {
      jobs: new Map([[python, 3000]]),
      packages: new Map([
        ['python', 2500],
        ['gmake', 40],
      ]),
    };
    await writeFile(path.join(folder, 'durations.json'), formatDurations(known));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('plan --json says which estimate each job has, how many of each, and the critical path in seconds', async () => {
    const run = await runCli(['plan', '--input', input, '--settings', settings, '--durations', 'durations.json', '--json'], folder);
    expect(run.stderr).toBe('');
    const plan = JSON.parse(run.stdout);
    expect(Object.keys(plan)).toEqual(['arch', 'maxYamlBytes', 'maxNeeds', 'inputs', 'buildJobs', 'links', 'children', 'criticalPath', 'estimates', 'reasons']);
    const jobs = plan.children.flatMap((child: { jobs: string[] }) => child.jobs);
    expect(Object.keys(plan.estimates.jobs)).toEqual(jobs);
    expect(plan.estimates.jobs[python]).toEqual({ seconds: 3000, source: 'job' });
    expect(plan.estimates.jobs[jobs.find((name: string) => name.startsWith('gmake@'))]).toEqual({ seconds: 40, source: 'package' });
    expect(plan.estimates.sources).toEqual({ job: 1, package: 1, default: jobs.length - 2 });
    expect(plan.estimates.defaultSeconds).toBe(DEFAULT_ESTIMATE_SECONDS);
    // gmake, then twelve more jobs at the default, through python.
    expect(plan.estimates.criticalPath).toEqual({ graphSeconds: 40 + 3000 + 12 * 600, splitSeconds: 40 + 3000 + 12 * 600, jobs: plan.criticalPath.jobs });
  });

  it('plan says it in words too', async () => {
    const run = await runCli(['plan', '--input', input, '--settings', settings, '--durations', 'durations.json'], folder);
    expect(run.stdout).toContain("\nEstimates (--durations): 1 jobs by their own time, 1 by their package's median, 61 by the default of 600 s\n");
    expect(run.stdout).toContain('\nCritical path in estimated time: 10240 s in the dependency graph, 10240 s through the child pipelines\n');
    expect(run.stdout).toContain(`\n  ${python} (3000 s)\n`);
    expect(run.stdout).toMatch(/\n {4}python@3\.11\.6 \/yynwpjk .*: .* \(3000 s, its own time\)\n/);
    expect(run.stdout).toMatch(/\n {4}gmake@4\.4\.1 .*: .* \(40 s, its package's median\)\n/);
  });

  it('process-spack-pipeline keeps the estimates in plan.json; a missing or wrong file is one line', async () => {
    const run = await runCli(['process-spack-pipeline', '--input', input, '--settings', settings, '--output', 'out', '--durations', 'durations.json'], folder);
    expect(run.stderr).toBe('');
    const plan = JSON.parse(await readFile(path.join(folder, 'out/plan.json'), 'utf8'));
    expect(plan.estimates.sources).toEqual({ job: 1, package: 1, default: 61 });
    const missing = await runCli(['plan', '--input', input, '--settings', settings, '--durations', 'nowhere.json'], folder);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('--durations: nowhere.json: no such file (gitlab durations writes it)\n');
    await writeFile(path.join(folder, 'wrong.json'), '{"jobs": {}, "packages": {"zlib": null}}');
    const wrong = await runCli(['process-spack-pipeline', '--input', input, '--settings', settings, '--output', 'wrong', '--durations', 'wrong.json'], folder);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('wrong.json:1:35: packages.zlib: must be a number, got nothing\n');
  });
});
