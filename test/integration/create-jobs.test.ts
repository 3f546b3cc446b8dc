import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { baseImageRef } from '../../generator/containers/base-images.js';
import { ciContext } from '../../generator/pipeline/ci-context.js';
import { ROOT_JOBS } from '../../generator/pipeline/root-jobs.js';
import { shellQuote } from '../../generator/pipeline/shell.js';
import { loadSettings } from '../../generator/app/project.js';
import { architectureNames, architectureSettings, cacheCleanupTarget, cacheResourceGroup } from '../../generator/settings/settings.js';
import { runCli } from '../support/cli.js';
import { initGitRepository } from '../support/gitlab-ci-local.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';
import { makeProject, REPO_ROOT } from '../support/project.js';
import { fnmatch, jobsThatRun, pipelineDepths, readRootPipeline, unmetNeeds } from '../support/pipeline-tree.js';
import { secretLeaks, secretVariables } from '../support/secrets.js';

async function bundledProject(): Promise<string> {
  const root = await makeProject({});
  await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(root, 'container_definitions'), { recursive: true });
  await cp(path.join(REPO_ROOT, 'examples'), path.join(root, 'examples'), { recursive: true });
  await cp(path.join(REPO_ROOT, '.gitlab-ci.yml'), path.join(root, '.gitlab-ci.yml'));
  return root;
}

async function filesUnder(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = new Map<string, string>();
  for (const entry of entries.filter((e) => e.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), await readFile(full, 'utf8'));
  }
  return files;
}

describe('create-jobs and container-jobs on the bundled definitions', () => {
  let root: string;
  let generated: Map<string, string>;

  beforeAll(async () => {
    root = await bundledProject();
    const run = await runCli(['demo'], root);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    generated = await filesUnder(path.join(root, 'generated'));
  });

  it('writes the main pipeline, base images, environments and generate scripts', () => {
    expect([...generated.keys()].filter((f) => !/spack-outputs|spack-pipeline/.test(f)).sort()).toEqual([
      '.spacktainers-output',
      'amd64/containers/.spacktainers-output',
      'amd64/containers/build-tools/Dockerfile',
      'amd64/containers/build-tools/provenance.json',
      'amd64/containers/containers.yml',
      'amd64/containers/hdf5-mpi/Dockerfile',
      'amd64/containers/hdf5-mpi/provenance.json',
      'amd64/containers/numpy/Dockerfile',
      'amd64/containers/numpy/provenance.json',
      'amd64/containers/ubuntu-tools/provenance.json',
      'amd64/environments/build-tools/spack.lock',
      'amd64/environments/build-tools/spack.yaml',
      'amd64/environments/hdf5-mpi/spack.lock',
      'amd64/environments/hdf5-mpi/spack.yaml',
      'amd64/environments/numpy/spack.lock',
      'amd64/environments/numpy/spack.yaml',
      'amd64/spack-generate.sh',
      'arm64/environments/numpy/spack.yaml',
      'arm64/spack-generate.sh',
      'base-images.yml',
      'spacktainers.yml',
    ]);
  });

  it('writes only pipelines that GitLab accepts: schema, limits, nesting depth', async () => {
    const rootPipeline = await readRootPipeline(root);
    expect(gitlabSchemaErrors(rootPipeline.text)).toEqual([]);
    const pipelines = [...generated].filter(([file]) => file.endsWith('.yml'));
    for (const [file, text] of pipelines) expect([file, gitlabSchemaErrors(text)]).toEqual([file, []]);
    const depths = pipelineDepths(rootPipeline.jobs, (artifact) => generated.get(artifact.replace(/^generated\//, '')));
    // No bundled arm64 Spack outputs: its generate jobs, and so what follows them, run in GitLab only.
    expect(depths.missing.sort()).toEqual(['generated/arm64/containers/containers.yml', 'generated/arm64/spack-pipeline/spack-pipeline.yml']);
    expect(Object.fromEntries(depths.found)).toEqual({
      'generated/base-images.yml': 1,
      'generated/amd64/spack-pipeline/spack-pipeline.yml': 1,
      'generated/amd64/spack-pipeline/spack-build-001.yml': 2,
      'generated/spacktainers.yml': 1,
      'generated/amd64/containers/containers.yml': 2,
    });
  });

  it('writes the same bytes every time', async () => {
    const again = await bundledProject();
    expect((await runCli(['demo'], again)).code).toBe(0);
    expect(await filesUnder(path.join(again, 'generated'))).toEqual(generated);
  });

  it('tags containers with the version of their first spec, from spack.lock', () => {
    const jobs = parse(generated.get('amd64/containers/containers.yml')!);
    const pushes = Object.values<{ script?: string[] }>(jobs)
      .flatMap((job) => job.script ?? [])
      .filter((line) => line.startsWith('buildah push'));
    expect(pushes).toEqual([
      'buildah push registry.example.org/hpc/spacktainers/build-tools:2.1.4',
      'buildah push registry.example.org/hpc/spacktainers/hdf5-mpi:1.14.3',
      'buildah push registry.example.org/hpc/spacktainers/numpy:1.26.1',
    ]);
    expect(generated.get('amd64/containers/build-tools/Dockerfile')).toContain(
      'COPY "spacktainer/files/profile.d/spacktainer.sh" "/etc/profile.d/spacktainer.sh"',
    );
    expect(generated.get('amd64/containers/numpy/Dockerfile')).toContain(
      'COPY "generated/amd64/containers/numpy/provenance.json" "/opt/spacktainer/provenance.json"',
    );
    const provenance = JSON.parse(generated.get('amd64/containers/numpy/provenance.json')!);
    expect(provenance).toMatchObject({ container: 'numpy', arch: 'amd64', version: '1.26.1' });
    expect(provenance.packages).toHaveLength(38);
    expect(provenance.packages.find((p: { name: string }) => p.name === 'py-numpy')).toMatchObject({
      version: '1.26.1',
      hash: 'p6npipyetdhoyitjuos2h64s365pzjaq',
    });
    expect(JSON.parse(generated.get('amd64/containers/ubuntu-tools/provenance.json')!)).toEqual({
      container: 'ubuntu-tools',
      arch: 'amd64',
      version: '24.04',
      packages: [],
      sourceImage: 'docker.io/library/ubuntu:24.04',
    });
  });

  it('adds the branch slug off the default branch and -arm64 on arm64', async () => {
    const project = await bundledProject();
    const env = { CI_COMMIT_REF_NAME: 'Feature/MPI', CI_DEFAULT_BRANCH: 'main' };
    expect((await runCli(['demo'], project, env)).code).toBe(0);
    const amd = await readFile(path.join(project, 'generated/amd64/containers/containers.yml'), 'utf8');
    expect(amd).toContain('spacktainers/numpy:1.26.1__feature-mpi');
    expect(amd).toContain('base/builder:feature-mpi-amd64');
    const spackYaml = await readFile(path.join(project, 'generated/amd64/environments/numpy/spack.yaml'), 'utf8');
    expect(parse(spackYaml).spack.mirrors).toEqual({
      spacktainers: 's3://spack-build-cache-dev/amd64',
      production: 's3://spack-build-cache/amd64',
    });
    // arm64 numpy has the amd64 lock copied in, to see the arm64 tag.
    await cp(path.join(project, 'generated/amd64/spack-outputs/numpy'), path.join(project, 'generated/arm64/spack-outputs/numpy'), { recursive: true });
    const arm = await runCli(['container-jobs', '--arch', 'arm64', '--offline'], project, env);
    expect(arm.stdout).toContain('spacktainers/numpy:1.26.1__feature-mpi-arm64');
  });

  it('container-jobs refuses a Spack container whose lock is missing, writing nothing', async () => {
    const project = await bundledProject();
    expect((await runCli(['create-jobs', '--offline'], project)).code).toBe(0);
    const run = await runCli(['container-jobs', '--arch', 'arm64', '--offline'], project);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('container_definitions/arm64/numpy.yaml: no spack.lock for "numpy"');
    await expect(readdir(path.join(project, 'generated/arm64/containers'))).rejects.toThrow();
  });

  it('keeps user keys in the Spack environment and adds the ci section for our runners', () => {
    const env = parse(generated.get('amd64/environments/build-tools/spack.yaml')!).spack;
    expect(env.specs).toEqual(['zlib-ng', 'cmake']);
    expect(env.packages.all.target).toEqual(['x86_64_v3']);
    expect(env.view).toBe('/opt/view');
    expect(env.ci['pipeline-gen'][0]['build-job']['tags::']).toEqual(['docker', 'amd64']);
    expect(env.ci['pipeline-gen'][0]['build-job']['image::'].name).toBe('registry.example.org/hpc/spacktainers/base/builder:latest-amd64');
    // Spack copies the build-job section into every build job: each gets the settings' timeout.
    expect(env.ci['pipeline-gen'][0]['build-job']['timeout::']).toBe('6h');
  });

  it('never puts a secret on a command line or in a log line', async () => {
    const settings = await loadSettings(path.join(REPO_ROOT, 'settings.yaml'), { SPACKTAINERS_SPACK_SIGNING_KEY_VARIABLE: 'SPACK_SIGNING_KEY' });
    expect(secretVariables(settings)).toContain('CI_REGISTRY_PASSWORD');
    for (const [file, text] of generated) expect([file, secretLeaks(text, settings)]).toEqual([file, []]);
    expect([...generated.values()].join('\n')).toContain('--password-stdin');
  });

  it('signs binaries in the production cache when settings name a key, and only there', async () => {
    const signingEnv = { SPACKTAINERS_SPACK_SIGNING_KEY_VARIABLE: 'SPACK_SIGNING_KEY' };
    const buildScriptOf = async (env: Record<string, string>) => {
      const project = await bundledProject();
      expect((await runCli(['create-jobs', '--offline'], project, env)).code).toBe(0);
      const text = await readFile(path.join(project, 'generated/amd64/environments/numpy/spack.yaml'), 'utf8');
      const settings = await loadSettings(path.join(project, 'settings.yaml'), env);
      expect(secretLeaks(text, settings)).toEqual([]);
      return parse(text).spack.ci['pipeline-gen'][0]['build-job'];
    };
    const signed = await buildScriptOf(signingEnv);
    expect(signed['script::'].join('\n')).toContain('printf \'%s\' "${SPACK_SIGNING_KEY}" | base64 -d > "$key"; spack gpg trust "$key"');
    expect(signed.variables).toEqual({ SPACK_REQUIRE_SIGNING: 'True' });
    const development = await buildScriptOf({ ...signingEnv, CI_COMMIT_REF_NAME: 'feature', CI_DEFAULT_BRANCH: 'main' });
    expect(development['script::'].join('\n')).not.toContain('SPACK_SIGNING_KEY');
    const unsigned = await buildScriptOf({});
    expect(unsigned['script::']).toEqual(['cd "${SPACK_CONCRETE_ENV_DIR}"', 'eval "$(spack env activate --sh --without-view .)"', 'spack ci rebuild']);
  });

  it('shards the generate script over any number of parallel jobs, each container once', () => {
    const script = path.join(root, 'generated/amd64/spack-generate.sh');
    for (const total of [1, 2, 4]) {
      const seen: string[] = [];
      for (let index = 1; index <= total; index++) {
        const out = execFileSync('sh', [script], {
          cwd: root,
          // A stand-in `spack` on PATH that only reports how it was called.
          env: { PATH: `${path.join(REPO_ROOT, 'test/support/bin')}:/usr/bin:/bin`, CI_NODE_INDEX: String(index), CI_NODE_TOTAL: String(total) },
          encoding: 'utf8',
        });
        seen.push(...[...out.matchAll(/^== (\S+): concretize/gm)].map((m) => m[1]!));
      }
      expect(seen.sort()).toEqual(['build-tools', 'hdf5-mpi', 'numpy']);
    }
  });
});

describe('create-jobs --output with a space', () => {
  it('passes the folder to the commands its jobs run as one word', async () => {
    const project = await bundledProject();
    const run = await runCli(['create-jobs', '--offline', '--output', 'gen out'], project);
    expect(run.stderr).toBe('');
    const jobs = parse(await readFile(path.join(project, 'gen out/spacktainers.yml'), 'utf8')) as Record<string, { script?: string[] }>;
    const scripts = ['container-jobs:amd64', 'container-jobs:arm64', 'multi-arch-manifests'].map((name) => jobs[name]!.script!.join('\n'));
    for (const script of scripts) {
      // A stand-in that prints each argument on its own line, as the job's shell splits them.
      const out = execFileSync('sh', ['-c', `spacktainers() { printf '%s\\n' "$@"; }\n${script}`], { encoding: 'utf8' });
      const args = out.split('\n');
      expect([script, args[args.indexOf('--generated') + 1]]).toEqual([script, 'gen out']);
    }
  });
});

const MAIN = { CI_DEFAULT_BRANCH: 'main' };
/** The predefined variables of each kind of root pipeline. */
const PIPELINE_KINDS: Record<string, string>[] = [
  { ...MAIN, CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main' },
  { ...MAIN, CI_PIPELINE_SOURCE: 'merge_request_event' },
  { ...MAIN, CI_PIPELINE_SOURCE: 'web', CI_COMMIT_BRANCH: 'feature' },
  { ...MAIN, CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_BRANCH: 'main', SPACKTAINERS_PIPELINE: 'clean-cache' },
  { ...MAIN, CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_BRANCH: 'main', SPACKTAINERS_PIPELINE: 'clean-branches' },
];

describe('the root .gitlab-ci.yml', () => {
  it('agrees with settings.yaml and names the jobs generated pipelines refer to', async () => {
    const rootPipeline = await readRootPipeline(REPO_ROOT);
    const settings = await loadSettings(path.join(REPO_ROOT, 'settings.yaml'), {});
    const context = ciContext(settings, {});
    expect(rootPipeline.variables.SPACKTAINERS_REGISTRY_IMAGE).toBe(`${settings.registry.host}/${settings.registry.path}`);
    // This repository's own pipeline runs the generator image built from its commit, everywhere.
    expect(rootPipeline.variables.SPACKTAINERS_IMAGES_GENERATOR).toBe('$CI_REGISTRY_IMAGE/generator:$CI_COMMIT_SHA');
    expect(rootPipeline.jobs.has(ROOT_JOBS.createJobs)).toBe(true);
    for (const arch of architectureNames(settings)) {
      const generate = rootPipeline.jobs.get(`spack-generate:${arch}`)!;
      expect(generate.tags).toEqual(architectureSettings(settings, arch).runnerTags);
      expect(rootPipeline.jobs.get(ROOT_JOBS.processSpackPipeline(arch))!.tags).toEqual(architectureSettings(settings, arch).runnerTags);
      const image = (generate.image as { name: string }).name
        .replace('$SPACKTAINERS_REGISTRY_IMAGE', rootPipeline.variables.SPACKTAINERS_REGISTRY_IMAGE!)
        .replace('$SPACKTAINERS_BASE_TAG', 'latest');
      expect(image).toBe(baseImageRef(settings, context, 'builder', arch));
      expect(rootPipeline.jobs.has(ROOT_JOBS.processSpackPipeline(arch))).toBe(true);
    }
    for (const [name, job] of rootPipeline.jobs) {
      if (((job.script ?? []) as string[]).some((line) => line.startsWith('spacktainers ')))
        expect([name, job.image]).toEqual([name, { name: '$CI_REGISTRY_IMAGE/generator:$CI_COMMIT_SHA' }]);
    }
    // One janitor job per cache prefix, in the resource group of that prefix's index.
    const janitors = [...rootPipeline.jobs].filter(([name]) => name.startsWith('clean-cache:'));
    const expected = (['production', 'development'] as const).flatMap((kind) =>
      cacheCleanupTarget(settings, kind).prefixes.flatMap((arch) => [
        [`clean-cache:${kind}:${arch}`, cacheResourceGroup(settings, arch, kind), `--cache ${kind} --prefix ${arch} --env generated/${arch} --report`],
        [`clean-cache:dry-run:${kind}:${arch}`, undefined, `--cache ${kind} --prefix ${arch} --env generated/${arch} --dry-run --report`],
      ]),
    );
    expect(janitors.map(([name, job]) => [name, job.resource_group, (job.script as string[]).join(' ')]).sort()).toEqual(
      expected.map(([name, group, options]) => [name, group, expect.stringContaining(options!)]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('runs the right jobs for merge requests, the default branch, web and scheduled pipelines', async () => {
    const root = await readRootPipeline(REPO_ROOT);
    // In no particular order: the components' jobs come in the order they are included.
    const running = (predefined: Record<string, string>) => jobsThatRun(root, predefined).sort();
    // The generator image of this commit comes first, in every pipeline.
    const image = ['package', 'generator-image', 'generator-manifest'];
    const build = [
      ...image,
      'create-jobs',
      'base-images',
      'spack-generate:amd64',
      'spack-generate:arm64',
      'spack-durations:amd64',
      'spack-durations:arm64',
      'process-spack-pipeline:amd64',
      'process-spack-pipeline:arm64',
      'spack-build:amd64',
      'spack-build:arm64',
      'containers',
    ];
    const main = { CI_DEFAULT_BRANCH: 'main' };
    // Only the default branch can be released, by hand.
    expect(running({ ...main, CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main' })).toEqual([...build, 'generator-image:release', 'release'].sort());
    const janitors = (prefix: string) => ['production:amd64', 'production:arm64', 'development:amd64', 'development:arm64'].map((p) => `${prefix}:${p}`);
    expect(running({ ...main, CI_PIPELINE_SOURCE: 'merge_request_event' })).toEqual(
      [...build, ...janitors('clean-cache:dry-run'), 'merge-request-note'].sort(),
    );
    expect(running({ ...main, CI_PIPELINE_SOURCE: 'web', CI_COMMIT_BRANCH: 'feature' })).toEqual([...build].sort());
    // A push to a branch with an open merge request runs its merge-request pipeline only.
    expect(running({ ...main, CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature', CI_OPEN_MERGE_REQUESTS: '1' })).toEqual([]);
    // The schedule variable selects the cleanup-only paths.
    const schedule = { ...main, CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_BRANCH: 'main' };
    expect(running({ ...schedule, SPACKTAINERS_PIPELINE: 'clean-cache' })).toEqual(
      [...image, 'create-jobs', 'spack-generate:amd64', 'spack-generate:arm64', ...janitors('clean-cache')].sort(),
    );
    expect(running({ ...schedule, SPACKTAINERS_PIPELINE: 'clean-branches' })).toEqual([...image, 'clean-branches'].sort());
    for (const kind of PIPELINE_KINDS) expect(unmetNeeds(root, jobsThatRun(root, kind))).toEqual([]);
  });

  it('creates no job of an architecture whose folder switches no definition on', async () => {
    const project = await mkdtemp(path.join(tmpdir(), 'spacktainers-root-'));
    for (const item of ['.gitlab-ci.yml', 'templates', 'container_definitions'])
      await cp(path.join(REPO_ROOT, item), path.join(project, item), { recursive: true });
    const arm64 = path.join(project, 'container_definitions/arm64');
    await rm(arm64, { recursive: true });
    await mkdir(path.join(arm64, '_off'), { recursive: true });
    await writeFile(path.join(arm64, '_off.yaml'), 'spack:\n  specs: [zlib]\n');
    await writeFile(path.join(arm64, '_off/spack.yaml'), 'spack:\n  specs: [zlib]\n');
    await writeFile(path.join(arm64, 'README.md'), 'arm64 containers go here\n');
    const root = await readRootPipeline(project);
    const arm64Jobs = (jobs: string[]) => jobs.filter((job) => job.endsWith(':arm64'));
    for (const kind of PIPELINE_KINDS) {
      const running = jobsThatRun(root, kind);
      expect(arm64Jobs(running)).toEqual([]);
      expect(unmetNeeds(root, running)).toEqual([]);
    }
    expect(jobsThatRun(root, PIPELINE_KINDS[0]!)).toContain('spack-generate:amd64');
    // gitlab-ci-local (its own glob matcher) agrees: every arm64 job is `never`, the rest valid.
    await initGitRepository(project);
    const listed = execFileSync(
      path.join(REPO_ROOT, 'node_modules/.bin/gitlab-ci-local'),
      ['--list-json', '--variable', 'CI_COMMIT_BRANCH=main', '--variable', 'CI_PIPELINE_SOURCE=merge_request_event'],
      {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, GCL_IGNORE_PREDEFINED_VARS: 'CI_COMMIT_BRANCH,CI_PIPELINE_SOURCE' },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const gclJobs = JSON.parse(listed.slice(listed.indexOf('['))) as { name: string; when: string }[];
    const whenOf = (arch: string) => gclJobs.filter((job) => job.name.includes(`:${arch}`)).map((job) => [job.name.replace(/: \[\d\/4\]$/, ''), job.when]);
    expect(new Set(whenOf('arm64').map(([, when]) => when))).toEqual(new Set(['never']));
    expect(Object.fromEntries(whenOf('arm64'))).toHaveProperty(['spack-generate:arm64']);
    expect(Object.fromEntries(whenOf('amd64'))).toMatchObject({
      'spack-generate:amd64': 'on_success',
      'spack-durations:amd64': 'on_success',
      'process-spack-pipeline:amd64': 'on_success',
      'spack-build:amd64': 'on_success',
      'clean-cache:dry-run:production:amd64': 'on_success',
    });
    // Each form of a switched-on definition brings the jobs back.
    for (const form of ['numpy.yaml', 'numpy.yml', 'numpy/spack.yaml', 'ubuntu.def']) {
      await mkdir(path.dirname(path.join(arm64, form)), { recursive: true });
      await writeFile(path.join(arm64, form), '');
      expect(arm64Jobs(jobsThatRun(await readRootPipeline(project), PIPELINE_KINDS[0]!)), form).toEqual([
        'spack-generate:arm64',
        'spack-durations:arm64',
        'process-spack-pipeline:arm64',
        'spack-build:arm64',
      ]);
      await rm(path.join(arm64, form.split('/')[0]!), { recursive: true });
    }
  });

  it("matches exists patterns as GitLab's File.fnmatch (FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB) does", () => {
    const cases: [string, string, boolean][] = [
      ['c{at,ub}s', 'cubs', true],
      ['*', 'a/b', false],
      ['*', '.profile', true],
      ['**/foo', 'a/b/c/foo', true],
      ['**/foo', 'foo', true],
      ['d/[^_]*.yaml', 'd/_x.yaml', false],
      ['d/[^_]*.yaml', 'd/x.yaml', true],
      ['d/[!_]*.yaml', 'd/x.yaml', true],
      ['d/[^_]*/spack.yaml', 'd/x/y/spack.yaml', false],
      ['d/[^_]*.{yaml,def}', 'd/x.def', true],
    ];
    for (const [pattern, file, matches] of cases) expect([pattern, file, fnmatch(pattern, file)]).toEqual([pattern, file, matches]);
  });
});

describe('shellQuote', () => {
  it('keeps any value one literal shell word', () => {
    for (const value of ["it's", 'a b', '$(id)', '`id`', 'x;y', 'plain-1.2', '"q"', '']) {
      const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(out).toBe(value);
    }
  });
});
