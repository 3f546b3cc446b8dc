import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITLAB_CI_LOCAL, initGitRepository } from '../support/gitlab-ci-local.js';
import { FakeGitlab, TOKEN } from '../support/gitlab-server.js';
import { REPO_ROOT } from '../support/project.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const run = promisify(execFile);
const SHIMS = path.join(REPO_ROOT, 'test/support/gitlab-ci-local-bin');
/** `spacktainers` of the generator image and npm of the package job: this checkout's (shared with the e2e run). */
const NODE_BIN = path.join(REPO_ROOT, 'test/support/node-bin');

/** Start and end of each job, in the order gitlab-ci-local logged them (child jobs as `[bridge] -> job`). */
function jobEvents(log: string): { job: string; event: 'start' | 'end'; status?: string }[] {
  const events: { job: string; event: 'start' | 'end'; status?: string }[] = [];
  for (const line of log.split('\n')) {
    const start = /^\s*(.+?)\s+starting shell/.exec(line);
    const end = /^\s*(.+?)\s+finished in [\d.]+ m?s(?:\s+(FAIL|WARN) \d+)?/.exec(line);
    if (start) events.push({ job: start[1]!.trim(), event: 'start' });
    else if (end) events.push({ job: end[1]!.trim(), event: 'end', status: end[2] ?? 'PASS' });
  }
  return events;
}

/** A build job of the replayed Spack output (fixtures/spack/small), as an earlier pipeline ran it. */
const CMAKE = 'cmake@3.27.7 /nu6lbkv %gcc@12.2.0 arch=linux-debian12-x86_64_v3';

describe('the root pipeline run by gitlab-ci-local', () => {
  // create-jobs asks the registry which base images exist: an empty real one says none.
  let registry: TestRegistry;
  // spack-durations reads the build times of the default branch's last pipeline from it.
  const gitlab = new FakeGitlab();
  let gitlabVariables: Record<string, string>;
  beforeAll(async () => {
    registry = await startRegistry();
    gitlabVariables = gitlab.ciVariables(await gitlab.start());
    gitlab.pipelines.push({ id: 5, ref: 'main', status: 'success' });
    gitlab.jobs.set(5, [{ id: 51, name: CMAKE, status: 'success', duration: 4321 }]);
  });
  afterAll(async () => {
    await registry.stop();
    await gitlab.stop();
  });

  it('runs create-jobs, the base-images child pipeline and the generate shards in a valid order', async () => {
    // gitlab-ci-local copies the project with rsync, which a fresh machine may lack.
    const project = await mkdtemp(path.join(tmpdir(), 'spacktainers-gcl-'));
    // The package and its built CLI (dist/, built by `npm run setup:test`) go into the generator image.
    const tool = ['package.json', 'package-lock.json', 'bin', 'dist', 'images', 'templates'];
    for (const item of ['.gitlab-ci.yml', ...tool, 'settings.yaml', 'container_definitions', 'base-images', 'spacktainer']) {
      await cp(path.join(REPO_ROOT, item), path.join(project, item), { recursive: true });
    }
    await initGitRepository(project);
    const toolLog = path.join(project, 'tools.log');
    // The whole pipeline: gitlab-ci-local hands a job selection down to child pipelines too,
    // where those names do not exist.
    const { code, stdout } = await run(
      GITLAB_CI_LOCAL,
      [
        '--force-shell-executor',
        '--no-color',
        '--concurrency',
        '2',
        '--variable',
        'CI_COMMIT_BRANCH=main',
        '--variable',
        `SPACKTAINERS_REGISTRY_HOST=${registry.host}`,
        ...Object.entries(gitlabVariables).flatMap(([name, value]) => ['--variable', `${name}=${value}`]),
        // The release, started by hand: it runs after everything else.
        '--manual',
        'generator-image:release',
      ],
      {
        cwd: project,
        env: {
          ...process.env,
          PATH: `${SHIMS}:${NODE_BIN}:${process.env.PATH}`,
          STUB_REPO: REPO_ROOT,
          STUB_TOOL_LOG: toolLog,
          GCL_IGNORE_PREDEFINED_VARS: ['CI_COMMIT_BRANCH', 'CI_PIPELINE_SOURCE', ...Object.keys(gitlabVariables)].join(','),
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: unknown; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    const events = jobEvents(stdout);
    const shards = (arch: string) => [1, 2, 3, 4].map((i) => `spack-generate:${arch}: [${i}/4]`);
    // Only the jobs that take their parent's artifacts with `needs: pipeline: $PARENT_PIPELINE_ID`
    // fail, which gitlab-ci-local does not provide (docs/gitlab.md); it does not honour a bridge's
    // `strategy: depend` either, so the run itself passes.
    expect([...stdout.matchAll(/^\s*FAIL\s+(.+?)\s*$/gm)].map((m) => m[1]).sort()).toEqual(['container-jobs:amd64', 'container-jobs:arm64']);
    expect(code).toBe(0);
    const at = (job: string, event: 'start' | 'end') => events.findIndex((e) => e.job === job && e.event === event);
    const childJobs = events.filter((e) => e.job.startsWith('[base-images] -> ') && e.event === 'end');
    expect(childJobs.map((e) => e.job.replace('[base-images] -> ', '')).sort()).toEqual(
      ['builder', 'runtime', 'singularitah']
        .flatMap((image) => [`base-image:amd64:${image}`, `base-image:arm64:${image}`, `base-image-manifest:${image}`])
        .sort(),
    );
    const processJobs = ['amd64', 'arm64'].map((arch) => `process-spack-pipeline:${arch}`);
    const durationsJobs = ['amd64', 'arm64'].map((arch) => `spack-durations:${arch}`);
    const imageJobs = ['package', 'generator-image: [amd64]', 'generator-image: [arm64]', 'generator-manifest'];
    const releaseJobs = ['generator-image:release', 'release'];
    const mustPass = [
      ...imageJobs,
      ...releaseJobs,
      'create-jobs',
      ...childJobs.map((e) => e.job),
      ...shards('amd64'),
      ...shards('arm64'),
      ...durationsJobs,
      ...processJobs,
    ];
    for (const job of mustPass)
      expect(
        events.find((e) => e.job === job && e.event === 'end'),
        job,
      ).toMatchObject({ status: 'PASS' });
    // The generator image of the commit is there before any job runs in it; the release comes last.
    for (const job of imageJobs) expect(at(job, 'end')).toBeLessThan(at('create-jobs', 'start'));
    expect(at('release', 'start')).toBeGreaterThan(at('generator-image:release', 'end'));
    expect(at('generator-image:release', 'start')).toBeGreaterThan(
      Math.max(...events.filter((e) => !releaseJobs.includes(e.job)).map((e) => at(e.job, 'end'))),
    );
    for (const child of childJobs) expect(at(child.job, 'start')).toBeGreaterThan(at('create-jobs', 'end'));
    for (const arch of ['amd64', 'arm64']) {
      for (const shard of shards(arch)) {
        // The shards need create-jobs and (optionally) the base images of this pipeline.
        expect(at(shard, 'start')).toBeGreaterThan(Math.max(...childJobs.map((c) => at(c.job, 'end'))));
        expect(at(`process-spack-pipeline:${arch}`, 'start')).toBeGreaterThan(at(shard, 'end'));
      }
      expect(at(`process-spack-pipeline:${arch}`, 'start')).toBeGreaterThan(at(`spack-durations:${arch}`, 'end'));
    }
    expect(stdout).not.toContain(TOKEN);
    expect(await readFile(path.join(project, 'generated/amd64/spack-outputs/build-tools/spack.lock'), 'utf8')).toContain('"concrete_specs"');
    // process-spack-pipeline split the replayed real Spack output into the child pipeline files.
    const split = JSON.parse(await readFile(path.join(project, 'generated/amd64/spack-pipeline/plan.json'), 'utf8'));
    expect(split.children.map((c: { file: string }) => c.file)).toEqual(['spack-build-001.yml']);
    // ...by the build times spack-durations collected from the API and handed on.
    expect(split.estimates.jobs[CMAKE]).toEqual({ seconds: 4321, source: 'job' });
    const tools = await readFile(toolLog, 'utf8');
    expect(tools).toContain('buildah push');
    expect(tools).toContain('buildah build');
    expect(tools).toContain('buildah manifest');
  });
});
