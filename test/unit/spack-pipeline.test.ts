import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildCli } from '../../generator/cli/main.js';
import { DEFAULT_LIMITS, limitViolations, type GitLabLimits } from '../../generator/pipeline/limits.js';
import { parseSettings } from '../../generator/settings/settings.js';
import { buildSpackPipeline, CHILD_GROUP_PREFIX, RELAY_JOB, SPACK_PIPELINE_FILE, type SpackPipelineResult } from '../../generator/spack/build-pipeline.js';
import { loadSpackPipelines } from '../../generator/app/spack-files.js';
import { splitFinishTimes, splitMakespan } from '../../generator/spack/schedule.js';
import { DEFAULT_ESTIMATE_SECONDS } from '../../generator/spack/durations.js';
import { CHILD_STARTUP_SECONDS, type ChildLinks } from '../../generator/spack/split.js';
import { FAILURE_JOB, specKey, WAIT_LATENCY_SECONDS, WAIT_TEMPLATE, waitStarts } from '../../generator/spack/wait-jobs.js';
import { parseSpackPipeline, type SpackPipeline } from '../../generator/spack/generate-output-parser.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';

const repo = path.join(import.meta.dirname, '..', '..');
const fixturePath = (name: string) => path.join(repo, 'fixtures/spack', name);
const fixtureText = (name: string) => readFileSync(fixturePath(name), 'utf8');
const fixture = (name: string): SpackPipeline => parseSpackPipeline(name, fixtureText(name));
const settings = parseSettings('settings.yaml', readFileSync(path.join(repo, 'settings.yaml'), 'utf8'));
const OUTPUT = 'generated/amd64/spack-pipeline';

const FULL = ['small/pipeline.yml', 'medium/pipeline.yml', 'mpi/pipeline.yml'];

function build(names: string[], limits: Partial<GitLabLimits> = {}, links: ChildLinks = 'wait-jobs'): SpackPipelineResult {
  return buildSpackPipeline(names.map(fixture), {
    settings,
    arch: 'amd64',
    cache: 'production',
    outputPath: OUTPUT,
    limits: { ...DEFAULT_LIMITS, ...limits },
    links,
  });
}

type Doc = Record<string, Record<string, unknown>>;

/**
 * Check a result the way GitLab would run it, from the written text only: every input build
 * job once, every Spack dependency satisfied inside its child, by a child that finishes before
 * it (through trigger needs), or by a wait job of its child waiting for it or for a job needing
 * it (a wait job waits for a job of an earlier child, which holds the failure job that stops
 * it); every file schema-valid and within limits.
 */
function checkAsGitLabWouldRun(result: SpackPipelineResult, inputs: SpackPipeline[], limits: GitLabLimits = DEFAULT_LIMITS) {
  for (const file of result.pipelines) {
    expect(gitlabSchemaErrors(file.text), file.path).toEqual([]);
    expect(limitViolations(file, limits), file.path).toEqual([]);
  }
  const [root, ...children] = result.pipelines;
  const rootDoc = parse(root!.text) as Doc;
  const childOfFile = new Map<string, string>();
  const triggerNeeds = new Map<string, string[]>();
  for (const [name, job] of Object.entries(rootDoc)) {
    const trigger = job.trigger as { include: { artifact: string; job: string }[]; strategy: string } | undefined;
    if (!trigger) {
      // A job standing for a group of children a trigger job waits for.
      if (name.startsWith(CHILD_GROUP_PREFIX)) triggerNeeds.set(name, job.needs as string[]);
      continue;
    }
    expect(trigger.strategy).toBe('depend');
    expect(trigger.include).toHaveLength(1);
    expect(trigger.include[0]!.job).toBe(RELAY_JOB);
    childOfFile.set(path.posix.relative(OUTPUT, trigger.include[0]!.artifact), name);
    expect(job.needs).toContain(RELAY_JOB);
    triggerNeeds.set(
      name,
      (job.needs as string[]).filter((need) => need !== RELAY_JOB),
    );
  }
  expect([...childOfFile.keys()].sort()).toEqual(children.map((c) => c.path).sort());
  const before = (trigger: string): Set<string> => {
    const seen = new Set<string>();
    const walk = (t: string) => {
      for (const need of triggerNeeds.get(t)!)
        if (!seen.has(need)) {
          seen.add(need);
          walk(need);
        }
    };
    walk(trigger);
    return seen;
  };
  const triggerOrder = [...childOfFile.values()].sort();

  const placed = new Map<string, string>();
  /** For each build job, the build jobs of other children it waits for through wait jobs of its child, directly or not. */
  const waitedFor = new Map<string, Set<string>>();
  const failureJobs = new Set<string>();
  const waitsOn: { trigger: string; job: string; producer: string; key: string }[] = [];
  for (const child of children) {
    expect(child.depth).toBe(2);
    const trigger = childOfFile.get(child.path)!;
    const doc = parse(child.text) as Doc;
    const stages = doc.stages as unknown as string[];
    const reaches = (name: string): Set<string> => {
      const job = doc[name]!;
      if (job.extends === WAIT_TEMPLATE) return new Set([(job.variables as Record<string, string>).SPACKTAINERS_WAITS_FOR!]);
      const found = new Set<string>();
      for (const need of job.needs as { job: string; pipeline?: string }[]) if (!need.pipeline) for (const far of reaches(need.job)) found.add(far);
      return found;
    };
    for (const [name, job] of Object.entries(doc)) {
      if (['workflow', 'stages', 'variables', WAIT_TEMPLATE].includes(name)) continue;
      expect(job.trigger, `${name} in a child`).toBeUndefined();
      expect(stages).toContain(job.stage);
      if (job.extends === WAIT_TEMPLATE) {
        const variables = job.variables as Record<string, string>;
        waitsOn.push({ trigger, job: variables.SPACKTAINERS_WAITS_FOR!, producer: variables.SPACKTAINERS_PRODUCER!, key: variables.SPACKTAINERS_SPEC_KEY! });
        continue;
      }
      if (name === FAILURE_JOB) {
        expect(job.when).toBe('on_failure');
        expect(stages.at(-1)).toBe(job.stage);
        failureJobs.add(trigger);
        continue;
      }
      expect(placed.has(name), `${name} twice`).toBe(false);
      placed.set(name, trigger);
      waitedFor.set(name, reaches(name));
      for (const need of job.needs as { job: string; pipeline?: string }[]) {
        if (need.pipeline) continue;
        expect(doc[need.job], `${name} needs ${need.job} in its child`).toBeDefined();
        expect(stages.indexOf(doc[need.job]!.stage as string)).toBeLessThan(stages.indexOf(job.stage as string));
      }
    }
  }
  const expected = new Set(inputs.flatMap((input) => input.buildJobs.map((job) => job.name)));
  expect([...placed.keys()].sort()).toEqual([...expected].sort());
  const dependenciesOf = new Map(inputs.flatMap((input) => input.buildJobs.map((job) => [job.name, job.dependencies] as [string, string[]])));
  const needsInTurn = (job: string, dependency: string): boolean =>
    job === dependency || dependenciesOf.get(job)!.some((next) => needsInTurn(next, dependency));
  for (const wait of waitsOn) {
    // The job waited for is built by the child the wait job names, an earlier one, which stops the wait when it fails.
    expect(placed.get(wait.job)).toBe(wait.producer);
    expect(triggerOrder.indexOf(wait.producer)).toBeLessThan(triggerOrder.indexOf(wait.trigger));
    expect(failureJobs.has(wait.producer), `${wait.producer} has a failure job`).toBe(true);
    expect(wait.key).toBe(specKey(result.graph.byName.get(wait.job)!, settings.spack.version));
  }
  for (const input of inputs) {
    for (const job of input.buildJobs) {
      const mine = placed.get(job.name)!;
      for (const dependency of job.dependencies) {
        const theirs = placed.get(dependency)!;
        if (theirs === mine) continue;
        const waited = [...waitedFor.get(job.name)!].some((far) => needsInTurn(far, dependency));
        expect(before(mine).has(theirs) || waited, `${job.name} -> ${dependency}`).toBe(true);
      }
    }
  }
  return { rootDoc, placed, waits: waitsOn.length };
}

/**
 * `containers` copies of the mpi fixture: the two lowest stages shared by all, the rest each
 * copy's own (renamed with a new hash), as the specs of a site's containers are.
 */
function site(containers: number): SpackPipeline[] {
  const text = fixtureText('mpi/pipeline.yml');
  const own = fixture('mpi/pipeline.yml').buildJobs.filter((job) => job.stage >= 2);
  return Array.from({ length: containers }, (_, copy) => {
    let renamed = text;
    for (const job of own) renamed = renamed.replaceAll(job.name, job.name.replace(/\/[a-z0-9]{7} /, `/c${String(copy).padStart(6, '0')} `));
    return parseSpackPipeline(`container-${copy}.yml`, renamed);
  });
}

/**
 * Two jobs (say, containers of every tool of the site) needing the final spec of every copy in
 * `inputs`: whatever the split, they wait for the children of all copies.
 */
function needingAll(inputs: SpackPipeline[]): SpackPipeline {
  const jobs = inputs.flatMap((input) => input.buildJobs);
  const needed = new Set(jobs.flatMap((job) => job.dependencies));
  const finals = jobs.filter((job) => !needed.has(job.name));
  const model = finals[0]!;
  const top = Math.max(...jobs.map((job) => job.stage)) + 1;
  const meta = ['a', 'b'].map((letter) => ({
    ...model,
    name: model.name.replace(/\/[a-z0-9]{7} /, `/${letter.repeat(7)} `),
    file: 'all.yml',
    stage: top,
    dependencies: finals.map((job) => job.name),
    body: { ...model.body, stage: `stage-${top}`, needs: finals.map((job) => ({ job: job.name, artifacts: false })) },
  }));
  return { file: 'all.yml', buildJobs: [...jobs, ...meta] };
}

describe('process-spack-pipeline on many containers and small budgets', () => {
  const containers = site(24);
  const inputs = [...containers, needingAll(containers)];
  const run = (limits: Partial<GitLabLimits>, given = inputs, links: ChildLinks = 'wait-jobs') =>
    buildSpackPipeline(given, { settings, arch: 'amd64', cache: 'production', outputPath: OUTPUT, limits: { ...DEFAULT_LIMITS, ...limits }, links });

  it('keeps spack-pipeline.yml within the limits too: trigger jobs wait for groups of children past --max-needs', () => {
    const limits = { ...DEFAULT_LIMITS, maxYamlBytes: 40_000, maxNeeds: 4 };
    const result = run(limits, inputs, 'triggers');
    expect(Math.max(...result.split.waitsFor.map((waits) => waits.length))).toBeGreaterThan(16);
    checkAsGitLabWouldRun(result, inputs, limits);
    const root = parse(result.pipelines[0]!.text) as Doc;
    const groups = Object.keys(root).filter((name) => name.startsWith(CHILD_GROUP_PREFIX));
    // More than 4 x 4: groups of groups.
    expect(groups.some((group) => (root[group]!.needs as string[]).every((need) => need.startsWith(CHILD_GROUP_PREFIX)))).toBe(true);
    expect(root[groups[0]!]).toMatchObject({ stage: 'build', image: settings.images.generator, script: ['true'] });
  });

  it('gives valid pipelines at every budget that holds the largest job, or one line naming the limit', () => {
    const sizes = run({}, containers)
      .pipelines.slice(1)
      .flatMap((file) => file.text.split(/\n(?=\S)/).map((job) => Buffer.byteLength(job)));
    let refused = 0;
    for (const maxYamlBytes of [100_000, 20_000, Math.max(...sizes) + 2_000])
      for (const maxNeeds of [50, 10]) {
        for (const links of ['wait-jobs', 'triggers'] as const) {
          const limits = { ...DEFAULT_LIMITS, maxYamlBytes, maxNeeds };
          let result: SpackPipelineResult;
          try {
            result = run(limits, containers, links);
          } catch (error) {
            refused++;
            expect((error as Error).message).toMatch(
              /^--max-yaml-bytes: spack-pipeline\.yml would be \d+ bytes to trigger \d+ child pipelines, over the budget of \d+ bytes per file; raise it$/,
            );
            continue;
          }
          checkAsGitLabWouldRun(result, containers, limits);
        }
      }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('process-spack-pipeline on the real fixtures', () => {
  it('merges small, medium and mpi into one child, each shared spec once', () => {
    const inputs = FULL.map(fixture);
    const result = build(FULL);
    const { rootDoc } = checkAsGitLabWouldRun(result, inputs);
    expect(result.pipelines).toHaveLength(2);
    expect(result.plan.buildJobs).toBe(new Set(inputs.flatMap((i) => i.buildJobs.map((j) => j.name))).size);
    expect(result.plan.buildJobs).toBeLessThan(16 + 38 + 41);
    expect(rootDoc[RELAY_JOB]!.needs).toEqual([{ pipeline: '$PARENT_PIPELINE_ID', job: 'process-spack-pipeline:amd64' }]);
    expect(rootDoc[RELAY_JOB]!.artifacts).toEqual({ paths: [OUTPUT] });
    expect(rootDoc['rebuild-index']!.stage).toBe('stage-rebuild-index');
    expect((rootDoc.stages as unknown as string[]).at(-1)).toBe('stage-rebuild-index');
    expect(result.plan.criticalPath.splitJobs).toBe(result.plan.criticalPath.graphJobs);
  });

  it("rewrites each cache's index in that cache prefix's resource group, which the janitor shares", () => {
    const rebuildIndex = (cache: 'production' | 'development', arch: 'amd64' | 'arm64') => {
      const result = buildSpackPipeline(FULL.map(fixture), { settings, arch, cache, outputPath: OUTPUT });
      return (parse(result.pipelines[0]!.text) as Doc)['rebuild-index']!;
    };
    expect(rebuildIndex('production', 'amd64').resource_group).toBe('spack-cache/spack-build-cache/amd64');
    expect(rebuildIndex('development', 'arm64')).toMatchObject({
      resource_group: 'spack-cache/spack-build-cache-dev/arm64',
      script: ['spack buildcache update-index --keys s3://spack-build-cache-dev/arm64'],
    });
  });

  it('references the CI variables the settings name for the S3 keys, and sets the proxies, never a value of a secret', () => {
    const site = {
      ...settings,
      s3: { ...settings.s3, accessKeyVariable: 'CACHE_KEY_ID', secretKeyVariable: 'CACHE_SECRET' },
      proxy: { http: 'http://proxy:3128', https: 'http://proxy:3128', noProxy: 'localhost' },
    };
    const result = buildSpackPipeline(FULL.map(fixture), { settings: site, arch: 'amd64', cache: 'production', outputPath: OUTPUT });
    expect((parse(result.pipelines[1]!.text) as Doc).variables).toEqual({
      S3_ENDPOINT_URL: settings.s3.endpoint,
      AWS_DEFAULT_REGION: settings.s3.region,
      http_proxy: 'http://proxy:3128',
      HTTP_PROXY: 'http://proxy:3128',
      https_proxy: 'http://proxy:3128',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      NO_PROXY: 'localhost',
      AWS_ACCESS_KEY_ID: '$CACHE_KEY_ID',
      AWS_SECRET_ACCESS_KEY: '$CACHE_SECRET',
    });
  });

  it("moves each input's global variables into its own jobs and adds the S3 settings", () => {
    const result = build(FULL);
    const child = parse(result.pipelines[1]!.text) as Doc;
    expect(Object.keys(child.variables!)).toEqual(['S3_ENDPOINT_URL', 'AWS_DEFAULT_REGION']);
    const mpiOnly = fixture('mpi/pipeline.yml').buildJobs.find((job) => job.name.startsWith('openmpi@'))!;
    const variables = child[mpiOnly.name]!.variables as Record<string, string>;
    expect(variables.SPACK_CONCRETE_ENV_DIR).toBe('mpi/artifacts/concrete_environment');
    expect(variables.SPACK_JOB_SPEC_DAG_HASH).toBe(mpiOnly.dagHash);
    expect(variables.SPACK_REMOTE_MIRROR_URL).toBe('s3://spack-build-cache/amd64');
    // GitLab reads YAML 1.1: a version that looks like a date must stay a string.
    const cert = Object.entries(child).find(([name]) => name.startsWith('ca-certificates-mozilla@'))!;
    expect(result.pipelines[1]!.text).toContain('SPACK_JOB_SPEC_PKG_VERSION: "2023-05-30"');
    expect(cert[1].needs).toEqual([{ job: 'job-does-not-exist', pipeline: 'pipeline-does-not-exist' }]);
  });

  it('splits by dependencies under a small size budget, every need still satisfied', () => {
    const inputs = FULL.map(fixture);
    const limits = { ...DEFAULT_LIMITS, maxYamlBytes: 25_000 };
    const result = build(FULL, limits);
    checkAsGitLabWouldRun(result, inputs, limits);
    expect(result.plan.children.length).toBeGreaterThanOrEqual(4);
    for (const [index, child] of result.plan.children.entries()) {
      expect(child.bytes).toBe(Buffer.byteLength(result.pipelines[index + 1]!.text));
      expect(child.bytes).toBeLessThanOrEqual(25_000);
    }
    // Several children run side by side: the split's chain is shorter than one child per stage.
    const stages = new Set(result.graph.jobs.map((job) => job.stage)).size;
    expect(result.plan.criticalPath.splitJobs).toBeLessThan(2 * stages);
  });

  it('uses close to the fewest children the budget allows', () => {
    for (const maxYamlBytes of [40_000, 30_000, 25_000, 20_000]) {
      for (const links of ['wait-jobs', 'triggers'] as const) {
        const result = build(FULL, { maxYamlBytes }, links);
        const bytes = result.plan.children.reduce((total, child) => total + child.bytes, 0);
        // Wait jobs come on top of the build jobs the split packs: one child more, at most.
        const slack = links === 'wait-jobs' ? 3 : 2;
        expect(result.plan.children.length, `${maxYamlBytes} ${links}`).toBeLessThanOrEqual(Math.ceil(bytes / maxYamlBytes) + slack);
      }
    }
    expect(build(FULL, { maxYamlBytes: 30_000 }, 'triggers').plan.children).toHaveLength(5);
  });

  it("never makes one container's own jobs wait for another container's own jobs", () => {
    const [small, medium, mpi] = FULL.map(fixture);
    const names = (input: SpackPipeline) => new Set(input.buildJobs.map((job) => job.name));
    const own = (input: SpackPipeline, others: SpackPipeline[]) => [...names(input)].filter((name) => others.every((other) => !names(other).has(name)));
    const mediumOwn = own(medium!, [mpi!]);
    const mpiOwn = own(mpi!, [small!, medium!]);
    for (const maxYamlBytes of [40_000, 30_000, 20_000]) {
      const { split } = build(FULL, { maxYamlBytes }, 'triggers');
      const waitsFor = (child: number): Set<number> => new Set(split.waitsFor[child]!.flatMap((other) => [other, ...waitsFor(other)]));
      const childrenOf = (jobs: string[]) => new Set(jobs.map((name) => split.childOf.get(name)!));
      for (const [mine, theirs] of [
        [mediumOwn, mpiOwn],
        [mpiOwn, mediumOwn],
      ] as const) {
        const theirChildren = childrenOf(theirs);
        for (const child of childrenOf(mine)) {
          expect(
            [...waitsFor(child)].filter((other) => theirChildren.has(other)),
            `${maxYamlBytes}`,
          ).toEqual([]);
        }
      }
    }
  });

  it('places work by estimated build times when given them, never finishing later by those estimates', () => {
    const inputs = FULL.map(fixture);
    const limits = { ...DEFAULT_LIMITS, maxYamlBytes: 30_000 };
    const blind = build(FULL, limits, 'triggers');
    // Builds take minutes, but one takes three hours: whichever it is, the split given the
    // estimates finishes no later by them, and for some it finishes sooner.
    let sooner = 0;
    for (const { name: long } of blind.graph.jobs) {
      const estimate = (name: string) => (name === long ? 3 * 3600 : 60 + (name.length % 7) * 60);
      const informed = buildSpackPipeline(inputs, { settings, arch: 'amd64', cache: 'production', outputPath: OUTPUT, limits, estimate, links: 'triggers' });
      const makespan = (result: SpackPipelineResult) => splitMakespan(result.graph, result.split, estimate, { childStartup: CHILD_STARTUP_SECONDS });
      expect(makespan(informed), long).toBeLessThanOrEqual(makespan(blind));
      if (makespan(informed) < makespan(blind)) {
        if (sooner === 0) checkAsGitLabWouldRun(informed, inputs, limits);
        sooner++;
      }
    }
    expect(sooner).toBeGreaterThan(0);
    // Without estimates, the split of every job costing the same.
    const same = buildSpackPipeline(inputs, {
      settings,
      arch: 'amd64',
      cache: 'production',
      outputPath: OUTPUT,
      limits,
      estimate: () => DEFAULT_ESTIMATE_SECONDS,
      links: 'triggers',
    });
    expect(same.split.children.flat().length).toBe(blind.graph.jobs.length);
  });

  it('starts the children together with wait jobs on the light runners where the settings have them, else links them by triggers', () => {
    const inputs = FULL.map(fixture);
    const limits = { ...DEFAULT_LIMITS, maxYamlBytes: 30_000 };
    const light = { ...settings, architectures: { ...settings.architectures, amd64: { ...settings.architectures.amd64!, lightRunnerTags: ['light'] } } };
    const options = { arch: 'amd64', cache: 'production', outputPath: OUTPUT, limits } as const;
    const plain = buildSpackPipeline(inputs, { ...options, settings });
    expect(plain.plan.links).toBe('triggers');
    const waiting = buildSpackPipeline(inputs, { ...options, settings: light });
    expect(waiting.plan.links).toBe('wait-jobs');
    const { waits } = checkAsGitLabWouldRun(waiting, inputs, limits);
    expect(waits).toBe(waiting.plan.children.reduce((total, child) => total + child.waitJobs.length, 0));
    expect(waits).toBeGreaterThan(0);
    const root = parse(waiting.pipelines[0]!.text) as Doc;
    for (const child of waiting.plan.children) {
      expect(root[child.trigger]!.needs).toEqual([RELAY_JOB]);
      expect(root[child.trigger]!.variables).toEqual({ SPACKTAINERS_BUILD_PIPELINE_ID: '$CI_PIPELINE_ID' });
    }
    expect(root[RELAY_JOB]!.tags).toEqual(['light']);
    const withWaits = waiting.pipelines
      .slice(1)
      .map((file) => parse(file.text) as Doc)
      .find((doc) => doc[WAIT_TEMPLATE])!;
    expect(withWaits[WAIT_TEMPLATE]).toMatchObject({ tags: ['light'], needs: [], image: settings.images.generator, interruptible: true });
  });

  it('delays each wait job, given build times, for half the time until its spec is expected', () => {
    const inputs = FULL.map(fixture);
    const limits = { ...DEFAULT_LIMITS, maxYamlBytes: 30_000 };
    // Every build takes an hour: a spec deep in the graph is expected hours after the start.
    const estimate = () => 3600;
    const result = buildSpackPipeline(inputs, { settings, arch: 'amd64', cache: 'production', outputPath: OUTPUT, limits, estimate, links: 'wait-jobs' });
    checkAsGitLabWouldRun(result, inputs, limits);
    const starts = waitStarts(result.graph, result.split, estimate);
    const finish = splitFinishTimes(result.graph, result.split, estimate, { childStartup: CHILD_STARTUP_SECONDS, waitLatency: WAIT_LATENCY_SECONDS });
    let delayed = 0;
    result.pipelines.slice(1).forEach((file, child) => {
      for (const [name, job] of Object.entries(parse(file.text) as Doc)) {
        if (job.extends !== WAIT_TEMPLATE) continue;
        const waitsFor = (job.variables as Record<string, string>).SPACKTAINERS_WAITS_FOR!;
        const seconds = starts[child]!.get(waitsFor)!;
        expect(seconds, name).toBe(Math.floor((finish.get(waitsFor)! - CHILD_STARTUP_SECONDS) / 2 / 60) * 60);
        if (seconds === 0) expect(job.when, name).toBeUndefined();
        else {
          expect(job).toMatchObject({ when: 'delayed', start_in: `${seconds / 60} minutes` });
          delayed++;
        }
      }
    });
    expect(delayed).toBeGreaterThan(0);
    // Without build times nothing is delayed.
    expect(build(FULL, limits).pipelines.some((file) => file.text.includes('when: delayed'))).toBe(false);
  });

  it('keeps every job within --max-needs by dropping needs implied by other needs', () => {
    const inputs = FULL.map(fixture);
    // python@3.11.6 in medium has 16 needs; 8 remain (with the concrete environment one) once implied ones go.
    const limits = { ...DEFAULT_LIMITS, maxNeeds: 10 };
    const result = build(FULL, limits);
    checkAsGitLabWouldRun(result, inputs, limits);
    expect(() => build(FULL, { maxNeeds: 7 })).toThrow(/medium\/pipeline\.yml: python@3\.11\.6 .*: needs 8 jobs .*--max-needs/);
  });

  it('writes a single no-op job when every input has nothing to rebuild', () => {
    const result = build(['small/pipeline-noop.yml']);
    expect(result.pipelines).toHaveLength(1);
    const doc = parse(result.pipelines[0]!.text) as Doc;
    expect(Object.keys(doc)).toEqual(['workflow', 'stages', 'no-specs-to-rebuild']);
    // Spack's job has no stage: it is given one of the file's own.
    expect(doc.stages).toEqual(['build']);
    expect(doc['no-specs-to-rebuild']!.stage).toBe('build');
    expect(gitlabSchemaErrors(result.pipelines[0]!.text)).toEqual([]);
    expect(limitViolations(result.pipelines[0]!)).toEqual([]);
    expect(result.plan.children).toEqual([]);
  });

  it('writes a no-op job of its own for an architecture without Spack containers (no input at all)', async () => {
    const result = build([]);
    expect(result.pipelines).toHaveLength(1);
    const doc = parse(result.pipelines[0]!.text) as Doc;
    expect(doc['no-specs-to-rebuild']).toEqual({
      image: settings.images.generator,
      tags: settings.architectures.amd64!.runnerTags,
      script: ['echo "No Spack environment for amd64: nothing to build."'],
      stage: 'build',
    });
    // In the order Spack's own no-op job has it: its stage last.
    expect(Object.keys(doc['no-specs-to-rebuild']!)).toEqual(['image', 'tags', 'script', 'stage']);
    expect(doc.stages).toEqual(['build']);
    expect(gitlabSchemaErrors(result.pipelines[0]!.text)).toEqual([]);
    expect(limitViolations(result.pipelines[0]!)).toEqual([]);
    // An empty outputs folder is that case; a folder that is not there is a mistake.
    const empty = mkdtempSync(path.join(os.tmpdir(), 'spacktainers-empty-'));
    expect([...(await loadSpackPipelines(empty))]).toEqual([]);
    await expect(loadSpackPipelines(path.join(empty, 'missing'))).rejects.toThrow('cannot read the input folder');
  });

  it('builds the partial pipeline, and ignores a no-op input beside it', () => {
    const inputs = ['medium/pipeline-partial.yml', 'small/pipeline-noop.yml'];
    const result = build(inputs);
    checkAsGitLabWouldRun(result, inputs.map(fixture));
    expect(result.plan.buildJobs).toBe(19);
    const child = parse(result.pipelines[1]!.text) as Doc;
    expect(child['no-specs-to-rebuild']).toBeUndefined();
    expect(child.stages).not.toContain('stage-3');
  });

  it('reports malformed YAML with its position', () => {
    const text = fixtureText('small/pipeline.yml').replace('needs:', 'needs: [');
    expect(() => parseSpackPipeline('small.yml', text)).toThrow(/^small\.yml:\d+:\d+: malformed YAML/);
  });

  it('gives the same bytes every time', () => {
    const texts = (r: SpackPipelineResult) => [...r.pipelines.map((p) => p.text), JSON.stringify(r.plan)];
    expect(texts(build(FULL, { maxYamlBytes: 30_000 }))).toEqual(texts(build([...FULL].reverse(), { maxYamlBytes: 30_000 })));
  });
});

describe('spacktainers process-spack-pipeline (command)', () => {
  let work: string;
  const previous = process.cwd();
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'spack-pipeline-'));
    process.chdir(work);
  });
  afterAll(() => {
    process.chdir(previous);
    rmSync(work, { recursive: true, force: true });
  });

  /** The CLI in-process, outside CI unless `env` says otherwise. */
  async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    let stdout = '';
    let stderr = '';
    const sink = (write: (s: string) => void) => new Writable({ write: (chunk, _encoding, done) => (write(String(chunk)), done()) });
    const code = await buildCli().run(args, {
      stdin: process.stdin,
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      env: { PATH: process.env.PATH, ...env },
      colorDepth: 1,
    });
    return { code, stdout, stderr };
  }

  /** An input folder holding real fixtures, some of them changed by `mutate` after parsing. */
  function inputFolder(name: string, files: Record<string, string | ((doc: Doc) => void)>): string {
    const dir = path.join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, source] of Object.entries(files)) {
      const fixtureName = file.replace(/__/g, '/');
      let text = fixtureText(fixtureName);
      if (typeof source === 'function') {
        const doc = parse(text) as Doc;
        source(doc);
        text = stringify(doc);
      }
      writeFileSync(path.join(dir, `${path.basename(path.dirname(fixtureName))}.yml`), text);
    }
    return dir;
  }
  const args = (input: string, output: string, ...more: string[]) => [
    'process-spack-pipeline',
    '--input',
    input,
    '--output',
    output,
    '--settings',
    path.join(repo, 'settings.yaml'),
    ...more,
  ];

  it('writes the pipeline, the children and plan.json, byte-identical on a second run', async () => {
    const input = inputFolder('good', { 'small__pipeline.yml': '', 'medium__pipeline.yml': '', 'mpi__pipeline.yml': '' });
    const first = await run(args(input, 'out/spack-pipeline', '--max-yaml-bytes', '40000'));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const files = readdirSync('out/spack-pipeline').sort();
    expect(files).toContain(SPACK_PIPELINE_FILE);
    expect(files).toContain('plan.json');
    const snapshot = files.map((f) => readFileSync(path.join('out/spack-pipeline', f), 'utf8'));
    const plan = JSON.parse(snapshot[files.indexOf('plan.json')]!);
    expect(plan.children.map((c: { file: string }) => c.file)).toEqual(files.filter((f) => f.startsWith('spack-build-')));
    expect((await run(args(input, 'out/spack-pipeline', '--max-yaml-bytes', '40000'))).code).toBe(0);
    expect(
      readdirSync('out/spack-pipeline')
        .sort()
        .map((f) => readFileSync(path.join('out/spack-pipeline', f), 'utf8')),
    ).toEqual(snapshot);
  });

  const planArgs = (input: string) => [
    'plan',
    '--input',
    input,
    '--settings',
    path.join(repo, 'settings.yaml'),
    '--max-yaml-bytes',
    '40000',
    '--child-links',
    'wait-jobs',
    '--log',
    fixturePath('small/generate.log'),
  ];

  it('plan prints the same split in a collapsed section in CI, with the reasons from the generate log', async () => {
    const input = inputFolder('plan', { 'small__pipeline.yml': '', 'medium__pipeline.yml': '' });
    const { code, stdout } = await run(planArgs(input), { GITLAB_CI: 'true' });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^\x1b\[0Ksection_start:\d+:spack_pipeline_plan_amd64\[collapsed=true\]\r\x1b\[0KSpack pipeline for amd64: \d+ build jobs in \d+ child pipelines\n/,
    );
    expect(stdout).toMatch(/\x1b\[0Ksection_end:\d+:spack_pipeline_plan_amd64\r\x1b\[0K\n$/);
    expect(stdout).toMatch(/\n {4}zlib-ng@2\.1\.4 \/soeazdf .*: Scheduled, not found anywhere\n/);
    // py-numpy is only in medium, whose log was not given.
    expect(stdout).toMatch(/\n {4}py-numpy@1\.26\.1 .*: not in build cache\n/);
    expect(stdout).toMatch(/Critical path: 14 jobs in the dependency graph/);
    expect(stdout).toMatch(/spack-build-002\.yml: \d+ jobs, \d+ bytes \(\d+\.\d% of the budget\), starts at once, \d+ wait jobs for specs of other children/);
    expect(stdout).toMatch(/\n {2}They start together; \d+ wait jobs, on the light runners, wait for the specs of other children their jobs need\n/);
    expect(existsSync('spack-pipeline')).toBe(false);
  });

  it('plan prints plain text outside CI: no GitLab section escape codes on a terminal or in a file', async () => {
    const input = inputFolder('plan-plain', { 'small__pipeline.yml': '', 'medium__pipeline.yml': '' });
    const { code, stdout } = await run(planArgs(input));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Spack pipeline for amd64: \d+ build jobs in \d+ child pipelines\nInputs:\n/);
    expect(stdout).not.toContain('\x1b');
    expect(stdout).not.toContain('section_');
  });

  it("plan --json prints plan.json with each build job's reason, the same in CI or not", async () => {
    const input = inputFolder('plan-json', { 'small__pipeline.yml': '', 'medium__pipeline.yml': '' });
    const { code, stdout } = await run([...planArgs(input), '--json']);
    expect(code).toBe(0);
    const explained = JSON.parse(stdout);
    expect(Object.keys(explained)).toEqual(['arch', 'maxYamlBytes', 'maxNeeds', 'inputs', 'buildJobs', 'links', 'children', 'criticalPath', 'reasons']);
    expect(explained).toMatchObject({ arch: 'amd64', maxYamlBytes: 40000, criticalPath: { graphJobs: 14 } });
    expect(explained.children[0]).toEqual({
      file: 'spack-build-001.yml',
      trigger: 'spack-build-001',
      bytes: expect.any(Number),
      jobs: expect.any(Array),
      waitsFor: [],
      waitJobs: [],
    });
    const jobs = explained.children.flatMap((child: { jobs: string[] }) => child.jobs);
    expect(Object.keys(explained.reasons)).toEqual(jobs);
    expect(explained.reasons[jobs.find((name: string) => name.startsWith('zlib-ng@2.1.4'))]).toBe('Scheduled, not found anywhere');
    expect(explained.reasons[jobs.find((name: string) => name.startsWith('py-numpy@1.26.1'))]).toBe('not in build cache');
    expect((await run([...planArgs(input), '--json'], { CI: 'true' })).stdout).toBe(stdout);
  });

  it('plan reads the generate.log the generate jobs keep beside each output when no --log is given', async () => {
    // The layout the generate jobs write: <outputs>/<container>/{pipeline.yml,generate.log}.
    const input = path.join(work, 'outputs');
    for (const env of ['small', 'medium']) {
      mkdirSync(path.join(input, env), { recursive: true });
      writeFileSync(path.join(input, env, 'pipeline.yml'), fixtureText(`${env}/pipeline.yml`));
      writeFileSync(path.join(input, env, 'generate.log'), fixtureText(`${env}/generate.log`));
    }
    const { code, stdout } = await run(['plan', '--input', input, '--settings', path.join(repo, 'settings.yaml')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n {4}py-numpy@1\.26\.1 .*: Scheduled, not found anywhere\n/);
    expect(stdout).not.toContain('not in build cache');
  });

  const firstJob = (doc: Doc, prefix: string) => Object.keys(doc).find((name) => name.startsWith(prefix))!;
  const badInputs: [string, Record<string, string | ((doc: Doc) => void)>, string[], RegExp][] = [
    [
      'a file that is not a spack pipeline',
      {
        'small__pipeline.yml': '',
        'medium__pipeline.yml': (doc) => {
          for (const key of Object.keys(doc)) if (key !== 'workflow') delete doc[key];
        },
      },
      [],
      /medium\.yml.*not a spack ci generate output/,
    ],
    [
      'a build job without a Spack stage',
      { 'small__pipeline.yml': (doc) => delete doc[firstJob(doc, 'cmake@')]!.stage },
      [],
      /small\.yml:\d+:\d+: cmake@.* not a Spack build job/,
    ],
    [
      'a need naming a missing job',
      { 'small__pipeline.yml': (doc) => delete doc[firstJob(doc, 'gmake@')] },
      [],
      /small\.yml:\d+:\d+: .*needs: needs "gmake@4\.4\.1 .*", which is not a job of this file/,
    ],
    [
      'needs forming a cycle',
      {
        'small__pipeline.yml': (doc) => {
          (doc[firstJob(doc, 'gmake@')]!.needs as unknown[]).push({ job: firstJob(doc, 'berkeley-db@'), artifacts: false });
        },
      },
      [],
      /small\.yml: .*: needs form a cycle: .*gmake@.* -> .*berkeley-db@.* -> .*gmake@/,
    ],
    ['a job bigger than the size budget', { 'small__pipeline.yml': '' }, ['--max-yaml-bytes', '1500'], /small\.yml: .*: this job alone is \d+ bytes/],
  ];
  for (const [what, files, more, message] of badInputs) {
    it(`rejects ${what} and writes nothing`, async () => {
      const input = inputFolder(what.replace(/ /g, '-'), files);
      const output = `bad/${what.replace(/ /g, '-')}`;
      const { code, stderr } = await run(args(input, output, ...more));
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
      expect(existsSync(output)).toBe(false);
    });
  }
});
