import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateEveryKind, type GeneratedFile, type GeneratedFiles } from '../support/generated-files.js';
import { expandedRootPipeline, gitlabCiLocal, initGitRepository, type GitLabCiLocalRun } from '../support/gitlab-ci-local.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';
import { pipelineJobsOf } from '../support/pipeline-tree.js';
import { REPO_ROOT } from '../support/project.js';
import { jobScripts, shellcheckFindings, type ShellScript } from '../support/shellcheck.js';

/** What gitlab-ci-local writes to stderr on success: timings, and the `needs: pipeline:` it leaves to GitLab. */
const INFORMATIONAL = [
  /^parsing and downloads finished in [\d.]+ m?s\.?$/,
  /^json schema validated in [\d.]+ m?s$/,
  // A need of the parent pipeline's job is resolved by GitLab when the job runs, not at creation.
  /^.+\.needs\[\d+\]\.job:.+ ignored, pipeline key not supported$/,
];

function unexpectedStderr(run: GitLabCiLocalRun): string[] {
  return run.stderr.split('\n').filter((line) => line.trim() !== '' && !INFORMATIONAL.some((pattern) => pattern.test(line.trim())));
}

/** Run `tasks` at most `limit` at a time: each gitlab-ci-local is a node process, and there are two cores. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit = 4): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The root pipeline as GitLab creates it for each kind of pipeline it runs (README "How it works"). */
const ROOT_PIPELINES: Record<string, Record<string, string>> = {
  'push to the default branch': { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main' },
  'merge request': { CI_PIPELINE_SOURCE: 'merge_request_event', CI_COMMIT_REF_NAME: 'feature', CI_COMMIT_REF_SLUG: 'feature' },
  'web pipeline on a branch': { CI_PIPELINE_SOURCE: 'web', CI_COMMIT_BRANCH: 'feature', CI_COMMIT_REF_SLUG: 'feature' },
  'clean-cache schedule': { CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_BRANCH: 'main', SPACKTAINERS_PIPELINE: 'clean-cache' },
  'clean-branches schedule': { CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_BRANCH: 'main', SPACKTAINERS_PIPELINE: 'clean-branches' },
};

describe('every generated pipeline file, as GitLab creates it and as its runner runs it', () => {
  let generated: GeneratedFiles;
  let root: GeneratedFile;
  /** A throw-away git repository holding every file at its label, where gitlab-ci-local runs. */
  let repo: string;

  beforeAll(async () => {
    generated = await generateEveryKind();
    // The root as GitLab creates it from the components it includes.
    root = { label: '.gitlab-ci.yml', text: await expandedRootPipeline(REPO_ROOT), variables: {} };
    repo = await mkdtemp(path.join(tmpdir(), 'spacktainers-generated-'));
    for (const file of [root, ...generated.pipelines]) {
      await mkdir(path.dirname(path.join(repo, file.label)), { recursive: true });
      await writeFile(path.join(repo, file.label), file.text);
    }
    await initGitRepository(repo);
  });

  const jobsOf = (file: GeneratedFile) => [...pipelineJobsOf(file.text).keys()];

  it('covers every kind of file: builds, splits, publishing jobs and each no-op', () => {
    const firstJobs = (file: GeneratedFile) =>
      jobsOf(file)
        .map((job) => job.replace(/[:@ ].*/, ''))
        .filter((job, i, all) => all.indexOf(job) === i);
    const children = (prefix: string) => generated.pipelines.filter((file) => file.label.startsWith(`${prefix}/generated/amd64/spack-pipeline/spack-build-`));
    // The default branch's Spack builds are split into several children that wait for each other.
    expect(children('default-branch').length).toBeGreaterThan(1);
    expect(children('feature-branch')).toHaveLength(1);
    const kinds = Object.fromEntries(
      generated.pipelines.filter((file) => !/spack-build-\d+\.yml$/.test(file.label)).map((file) => [file.label, firstJobs(file)]),
    );
    const triggers = (prefix: string) => children(prefix).map((file) => path.basename(file.label, '.yml'));
    expect(kinds).toEqual({
      'default-branch/generated/base-images.yml': ['base-image', 'base-image-manifest'],
      'default-branch/generated/spacktainers.yml': ['container-jobs', 'containers', 'multi-arch-manifests'],
      'default-branch/generated/amd64/spack-pipeline/spack-pipeline.yml': ['collect-child-pipelines', ...triggers('default-branch'), 'rebuild-index'],
      'default-branch/generated/amd64/containers/containers.yml': ['image', 'sif', 'docker-hub'],
      'feature-branch/generated/base-images.yml': ['base-image', 'base-image-manifest'],
      'feature-branch/generated/spacktainers.yml': ['container-jobs', 'containers', 'multi-arch-manifests'],
      'feature-branch/generated/amd64/spack-pipeline/spack-pipeline.yml': ['collect-child-pipelines', 'spack-build-001', 'rebuild-index'],
      'feature-branch/generated/amd64/containers/containers.yml': ['image', 'sif'],
      'nothing/generated/base-images.yml': ['base-images-unchanged'],
      'nothing/generated/spacktainers.yml': ['no-containers'],
      'nothing/generated/amd64/spack-pipeline/spack-pipeline.yml': ['no-specs-to-rebuild'],
      'nothing/generated/amd64/containers/containers.yml': ['nothing-to-publish'],
      'up-to-date/generated/amd64/spack-pipeline/spack-pipeline.yml': ['no-specs-to-rebuild'],
    });
    const published = generated.pipelines.find((file) => file.label === 'default-branch/generated/amd64/containers/containers.yml')!;
    expect(jobsOf(published)).toContain('docker-hub:numpy');
    expect(published.text).toContain('spacktainers modules publish');
    // The two no-op Spack pipelines are not the same job: ours for no input, Spack's for an up-to-date cache.
    const noop = (label: string) => parse(generated.pipelines.find((file) => file.label === label)!.text)['no-specs-to-rebuild'].script;
    expect(noop('nothing/generated/amd64/spack-pipeline/spack-pipeline.yml')).not.toEqual(noop('up-to-date/generated/amd64/spack-pipeline/spack-pipeline.yml'));
  });

  it("every file is valid against GitLab's own CI schema", async () => {
    for (const file of [root, ...generated.pipelines]) expect([file.label, gitlabSchemaErrors(file.text)]).toEqual([file.label, []]);
    // The root as written, its includes of the component not yet expanded, too.
    expect(gitlabSchemaErrors(await readFile(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8'))).toEqual([]);
  });

  it('gitlab-ci-local --list refuses an unknown stage, a job without stage where "test" is not a stage, a missing need and a need of a later stage', async () => {
    const broken: Record<string, [string, RegExp]> = {
      'unknown-stage.yml': ['stages: [publish]\na:\n  stage: nope\n  script: [echo a]\n', /stage:nope not found for a/],
      'no-stage.yml': ['stages: [publish]\na:\n  script: [echo a]\n', /stage:test not found for a/],
      'missing-need.yml': ['stages: [publish]\na:\n  stage: publish\n  needs: [b]\n  script: [echo a]\n', /needs: \[b\] for a could not be found/],
      'later-need.yml': [
        'stages: [build, publish]\na:\n  stage: build\n  needs: [b]\n  script: [echo a]\nb:\n  stage: publish\n  script: [echo b]\n',
        /needs: \[b\] for a is in a future stage/,
      ],
    };
    await Promise.all(Object.entries(broken).map(([file, [text]]) => writeFile(path.join(repo, file), text)));
    const cases = [...Object.keys(broken).map((file) => [file, '--list']), ['unknown-stage.yml', '--list-json']] as const;
    const runs = await inParallel(
      cases.map(
        ([file, mode]) =>
          () =>
            gitlabCiLocal(repo, file, [mode]),
      ),
    );
    cases.forEach(([file, mode], index) => {
      expect([file, mode, runs[index]!.code]).toEqual([file, mode, 1]);
      expect(runs[index]!.stderr).toMatch(broken[file]![1]);
    });
  });

  it('gitlab-ci-local --list-json accepts every file with the variables its pipeline gets, and sees every job', async () => {
    const files = [{ ...root, variables: ROOT_PIPELINES['push to the default branch']! }, ...generated.pipelines];
    // --list-json parses and checks exactly as --list does (the test above), and names every job.
    const runs = await inParallel(files.map((file) => () => gitlabCiLocal(repo, file.label, ['--list-json'], file.variables)));
    files.forEach((file, index) => {
      const run = runs[index]!;
      expect([file.label, run.code, unexpectedStderr(run)]).toEqual([file.label, 0, []]);
      // A `parallel:` job is listed once per instance, `name: [i/n]` or `name: [<matrix values>]`.
      const listed = new Set((JSON.parse(run.stdout) as { name: string }[]).map((job) => job.name.replace(/: \[[^\]]+\]$/, '')));
      expect([file.label, [...listed].sort()]).toEqual([file.label, jobsOf(file).sort()]);
    });
  });

  it('the root pipeline needs only jobs that run, in every kind of pipeline', async () => {
    const kinds = Object.entries(ROOT_PIPELINES);
    const runs = await inParallel(
      kinds.map(
        ([, variables]) =>
          () =>
            gitlabCiLocal(repo, root.label, ['--validate-dependency-chain'], variables),
      ),
    );
    kinds.forEach(([kind], index) => {
      // On the default branch the release job needs the manual one that tags the image, which
      // GitLab allows; gitlab-ci-local's check refuses any need of a manual job (it ignores
      // --manual there). gitlab-ci-local.test.ts runs that pipeline whole, release included.
      const expected =
        kind === 'push to the default branch' ? [1, ['generator-image:release is when:manual, its needed by release, and not specified in --manual']] : [0, []];
      expect([kind, runs[index]!.code, unexpectedStderr(runs[index]!)]).toEqual([kind, ...expected]);
    });
  });

  it('shellcheck finds nothing in any generated script or job script', async () => {
    const scripts: ShellScript[] = [
      ...generated.scripts.map((file) => ({ label: file.label, text: file.text })),
      ...[root, ...generated.pipelines].flatMap((file) => jobScripts(file.label, pipelineJobsOf(file.text))),
    ];
    // The Spack build jobs (our script::, signed and unsigned) and the root's jobs are among them.
    expect(scripts.some((s) => s.text.includes('spack gpg trust'))).toBe(true);
    expect(scripts.some((s) => s.text.includes('spack ci rebuild') && !s.text.includes('spack gpg trust'))).toBe(true);
    expect(scripts.some((s) => s.label === '.gitlab-ci.yml: create-jobs' && s.text.includes('spacktainers create-jobs'))).toBe(true);
    expect(await shellcheckFindings(scripts)).toEqual([]);
  });

  it('shellcheck would report an unquoted value and a failing cd left unchecked', async () => {
    const findings = await shellcheckFindings([
      { label: 'unquoted', text: '#!/bin/sh\nset -e\nimage=$1\nbuildah push $image\n' },
      { label: 'no errexit', text: '#!/bin/sh\ncd "$SPACK_CONCRETE_ENV_DIR"\nspack ci rebuild\n' },
    ]);
    expect(findings).toEqual([
      expect.stringMatching(/^no errexit:2: SC2164 \(warning\): Use 'cd \.\.\. \|\| exit'/),
      expect.stringMatching(/^unquoted:4: SC2086 \(info\): Double quote/),
    ]);
  });

  it('Spack copies the build-job script:: into every build job verbatim (what the stand-in for the generate jobs does)', async () => {
    for (const fixture of ['small', 'medium', 'mpi']) {
      const environment = parse(await readFile(path.join(REPO_ROOT, 'fixtures/spack', fixture, 'spack.yaml'), 'utf8'));
      // `script::` in YAML text is the key `script:`, Spack's mark for "replace, do not append".
      const script = environment.spack.ci['pipeline-gen'][0]['build-job']['script:'];
      expect(script).toBeDefined();
      const jobs = parse(await readFile(path.join(REPO_ROOT, 'fixtures/spack', fixture, 'pipeline.yml'), 'utf8'));
      const buildJobs = Object.entries<{ script?: string[] }>(jobs).filter(([name]) => name.includes('@'));
      expect(buildJobs.length).toBeGreaterThan(0);
      for (const [name, job] of buildJobs) expect([name, job.script]).toEqual([name, script]);
    }
  });
});
