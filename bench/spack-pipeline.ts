/**
 * Benchmark of process-spack-pipeline: quality of the split (simulated makespan) and speed.
 * Run: `npm run build && node dist/bench/spack-pipeline.js` (from the repository root).
 *
 * Quality: every job gets a deterministic duration drawn from a hash of its name, log-normal
 * with a median of 7 minutes and sigma 1.2 (Spack builds are heavy-tailed: most take minutes,
 * a few take hours); every child pipeline costs 1 minute to start; runners are unlimited. The
 * figure is makespan of the split / critical path of the unsplit graph. The baseline is the
 * former tool's split: one child per stage, each waiting for the previous one. The same is
 * also shown over eight further draws of the distribution (the name hashed with a salt), as
 * one draw decides which chain is critical. The split itself never sees these durations.
 *
 * Inputs: the real fixtures merged, and a synthetic stack of about 5,000 specs made by cloning
 * the real fixture jobs under new hashes (see `syntheticStack`).
 *
 * `--draws` (also in the default run unless BENCH_DRAWS=0): makespan over 16 draws on these and
 * on intertwined stacks of 120 and 480 containers (`intertwinedStack`), for the split given no
 * estimates and given a noisy previous run, with unlimited runners and with 20 and 100.
 * `--scaling` (unless BENCH_SCALING=0): time and peak memory of the command at 30, 120, 480 and
 * 1,000 containers. `--write-stack N DIR` writes the intertwined stack of N containers.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { main } from '../generator/cli/main.js';
import { parseSettings } from '../generator/settings/settings.js';
import { mergeSpackPipelines, type SpackBuildGraph } from '../generator/spack/merge.js';
import { buildSpackPipeline } from '../generator/spack/build-pipeline.js';
import { criticalPath, splitMakespan, type JobDuration, type WaitStart } from '../generator/spack/schedule.js';
import { DEFAULT_ESTIMATE_SECONDS } from '../generator/spack/durations.js';
import type { BuildSplit, ChildLinks } from '../generator/spack/split.js';
import { splitWaits, WAIT_LATENCY_SECONDS, waitStarts } from '../generator/spack/wait-jobs.js';
import { parseSpackPipeline } from '../generator/spack/generate-output-parser.js';

const repo = path.join(import.meta.dirname, '../..');
const FIXTURES = ['small', 'medium', 'mpi'];
const CHILD_STARTUP_MINUTES = 1;
const WAIT_LATENCY_MINUTES = WAIT_LATENCY_SECONDS / 60;
const settingsFile = path.join(repo, 'settings.yaml');
const settings = parseSettings(settingsFile, readFileSync(settingsFile, 'utf8'));

/** Log-normal minutes from the name's hash: median 7, sigma 1.2 (Box-Muller on two hash words). */
const minutesDrawn =
  (salt: string): JobDuration =>
  (name) => {
    const digest = createHash('sha256')
      .update(salt + name)
      .digest();
    const u1 = (digest.readUInt32BE(0) + 1) / 2 ** 32;
    const u2 = digest.readUInt32BE(4) / 2 ** 32;
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return 7 * Math.exp(1.2 * normal);
  };
const minutes = minutesDrawn('');
/** Further draws of the same distribution, to see how much one draw's figure owes to luck. */
const OTHER_DRAWS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(minutesDrawn);

/** The former tool's split: one child per stage, each waiting for the one before. */
function oneChildPerStage(graph: SpackBuildGraph): BuildSplit {
  const stages = [...new Set(graph.jobs.map((job) => job.stage))].sort((a, b) => a - b);
  const children = stages.map((stage) => graph.jobs.filter((job) => job.stage === stage).map((job) => job.name));
  const childOf = new Map(children.flatMap((names, index) => names.map((name) => [name, index] as [string, number])));
  return { children, childOf, links: 'triggers', waitsFor: children.map((_, index) => (index === 0 ? [] : [index - 1])) };
}

/**
 * The real fixture jobs: their merged graph, each job's body as written, and the generate output
 * of a synthetic container `env` holding `jobs`, with the fixtures' rebuild-index, stages,
 * variables (named for `env`) and workflow.
 */
function fixtureJobs() {
  const texts = FIXTURES.map((env) => readFileSync(path.join(repo, 'fixtures/spack', env, 'pipeline.yml'), 'utf8'));
  const documents = texts.map((text) => parse(text));
  const graph = mergeSpackPipelines(FIXTURES.map((env, index) => parseSpackPipeline(env, texts[index]!)));
  const rawBody = (name: string) => documents.find((doc) => doc[name])![name] as Record<string, unknown>;
  const globals = documents[0].variables as Record<string, string>;
  const generateOutput = (jobs: Record<string, unknown>, env: string) =>
    stringify(
      {
        ...jobs,
        'rebuild-index': documents[0]['rebuild-index'],
        stages: documents[1].stages,
        variables: Object.fromEntries(Object.entries(globals).map(([key, value]) => [key, value.replace(/small/g, env)])),
        workflow: documents[0].workflow,
      },
      { lineWidth: 0 },
    );
  return { graph, rawBody, generateOutput };
}

/** A spec hash of `key` as Spack writes them: 32 lower-case letters and digits (here letters only). */
function specHash(key: string): string {
  return createHash('sha256')
    .update(key)
    .digest('hex')
    .replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)
    .slice(0, 32);
}

/**
 * A stack shaped like the fixtures, from their real job bodies: copy 0 is the merged fixtures;
 * every further copy clones the jobs above the two lowest stages under new hashes and shares
 * the lowest stages with copy 0 (the common base every container builds on). Each container
 * takes copy 0 and about 60% of the other copies, so containers share most of their specs.
 */
function syntheticStack(targetSpecs: number, containers: number): Record<string, string> {
  const { graph, rawBody, generateOutput } = fixtureJobs();
  const shared = new Set(graph.jobs.filter((job) => job.stage <= 1).map((job) => job.name));
  const cloned = graph.jobs.filter((job) => !shared.has(job.name));
  const copies = Math.ceil((targetSpecs - graph.jobs.length) / cloned.length) + 1;
  const hashOf = (name: string, copy: number) => specHash(`${copy}:${name}`);
  const rename = (name: string, copy: number) =>
    copy === 0 || shared.has(name) ? name : name.replace(/\/[a-z0-9]{7} /, `/${hashOf(name, copy).slice(0, 7)} `);
  const jobsOfCopy = (copy: number): [string, Record<string, unknown>][] =>
    (copy === 0 ? graph.jobs : cloned).map((job) => {
      const body = structuredClone(rawBody(job.name));
      const variables = body.variables as Record<string, string>;
      if (copy > 0) variables.SPACK_JOB_SPEC_DAG_HASH = hashOf(job.name, copy);
      body.needs = (body.needs as { job: string; pipeline?: string }[]).map((need) => (need.pipeline ? need : { ...need, job: rename(need.job, copy) }));
      return [rename(job.name, copy), body];
    });
  const files: Record<string, string> = {};
  for (let container = 0; container < containers; container++) {
    const env = `container-${container}`;
    const doc: Record<string, unknown> = {};
    for (let copy = 0; copy < copies; copy++) {
      const takes = copy === 0 || createHash('sha256').update(`${container}/${copy}`).digest()[0]! < 154;
      if (takes) for (const [name, body] of jobsOfCopy(copy)) doc[name] = body;
    }
    files[`${env}.yml`] = generateOutput(doc, env);
  }
  return files;
}

/**
 * A site's stack of `containers` containers, intertwined as real sites are, from the real fixture
 * jobs: the two lowest stages (compilers, build tools) are shared by every container; stages 2
 * and 3 (MPI, Python and their dependencies) come in one variant per group of 8 containers; the
 * rest (about 44 specs) is each container's own, under new hashes.
 */
export function intertwinedStack(containers: number): Record<string, string> {
  const { graph, rawBody, generateOutput } = fixtureJobs();
  const layer = (stage: number) => (stage <= 1 ? 'site' : stage <= 3 ? 'group' : 'own');
  const stageOf = new Map(graph.jobs.map((job) => [job.name, job.stage]));
  const variant = (name: string, group: number, own: string) => {
    const where = layer(stageOf.get(name)!);
    return where === 'site' ? '' : where === 'group' ? `group-${group}` : own;
  };
  const rename = (name: string, key: string) => (key === '' ? name : name.replace(/\/[a-z0-9]{7} /, `/${specHash(`${key}:${name}`).slice(0, 7)} `));
  const files: Record<string, string> = {};
  for (let container = 0; container < containers; container++) {
    const env = `container-${container}`;
    const group = Math.floor(container / 8);
    const doc: Record<string, unknown> = {};
    for (const job of graph.jobs) {
      const key = variant(job.name, group, env);
      const body = structuredClone(rawBody(job.name));
      if (key !== '') (body.variables as Record<string, string>).SPACK_JOB_SPEC_DAG_HASH = specHash(`${key}:${job.name}`);
      body.needs = (body.needs as { job: string; pipeline?: string }[]).map((need) =>
        need.pipeline ? need : { ...need, job: rename(need.job, variant(need.job, group, env)) },
      );
      doc[rename(job.name, key)] = body;
    }
    files[`${env}.yml`] = generateOutput(doc, env);
  }
  return files;
}

function quality(label: string, files: Record<string, string>, maxYamlBytes: number): void {
  const inputs = Object.entries(files).map(([file, text]) => parseSpackPipeline(file, text));
  const result = buildSpackPipeline(inputs, {
    settings,
    arch: 'amd64',
    cache: 'production',
    outputPath: 'generated/amd64/spack-pipeline',
    limits: { maxYamlBytes, maxNeeds: 50, maxDepth: 2, maxArtifactBytes: 5 * 1024 * 1024, maxTriggerIncludes: 3, maxDownstreamPipelines: 1000 },
  });
  const { graph, split } = result;
  const ratio = (chosen: BuildSplit, duration: JobDuration) =>
    splitMakespan(graph, chosen, duration, { childStartup: CHILD_STARTUP_MINUTES, waitLatency: WAIT_LATENCY_MINUTES }) / criticalPath(graph, duration).length;
  const draws = (chosen: BuildSplit) => {
    const ratios = OTHER_DRAWS.map((duration) => ratio(chosen, duration));
    return `mean x${(ratios.reduce((a, b) => a + b) / ratios.length).toFixed(3)}, worst x${Math.max(...ratios).toFixed(3)}`;
  };
  const bound = criticalPath(graph, minutes).length;
  const baselineSplit = oneChildPerStage(graph);
  const bytes = result.plan.children.reduce((total, child) => total + child.bytes, 0);
  console.log(
    `${label}: ${graph.jobs.length} specs, budget ${maxYamlBytes} B -> ${split.children.length} children ` +
      `(at least ${Math.ceil(bytes / maxYamlBytes)}); critical path ${bound.toFixed(0)} min\n` +
      `    ours x${ratio(split, minutes).toFixed(3)} (other draws: ${draws(split)}); ` +
      `one child per stage (${baselineSplit.children.length}) x${ratio(baselineSplit, minutes).toFixed(3)} (other draws: ${draws(baselineSplit)}); ` +
      `unit durations: bound ${criticalPath(graph, () => 1).length}, ours ${splitMakespan(graph, split, () => 1, { childStartup: 0 })}, per stage ${splitMakespan(graph, baselineSplit, () => 1, { childStartup: 0 })}`,
  );
}

/**
 * When the split pipeline finishes with `runners` runners: a child starts `CHILD_STARTUP_MINUTES`
 * after every child it waits for has finished (with wait jobs, every child at once); a job is
 * ready when its child has started and its dependencies are done (one in another child
 * `WAIT_LATENCY_MINUTES` later, when its wait job has seen it); ready jobs take free runners in
 * the order they became ready. Wait jobs run on the light runners, not these: the minutes they
 * hold one are counted apart (`waitMinutes`).
 */
function limitedMakespan(
  graph: SpackBuildGraph,
  split: BuildSplit,
  duration: JobDuration,
  runners: number,
  waitStart: WaitStart = () => 0,
): { makespan: number; waitMinutes: number } {
  const events = new MinHeap<{ job?: string; child?: number; arrives?: string }>();
  const waits = split.links === 'wait-jobs';
  const waiting = split.waitsFor.map((list) => list.length);
  const waitedBy = split.children.map(() => [] as number[]);
  split.waitsFor.forEach((list, child) => list.forEach((other) => waitedBy[other]!.push(child)));
  const left = split.children.map((names) => names.length);
  const sameChild = (a: string, b: string) => split.childOf.get(a) === split.childOf.get(b);
  const pending = new Map(graph.jobs.map((job) => [job.name, job.dependencies.filter((d) => waits || sameChild(d, job.name)).length]));
  const started = new Set<number>();
  const waitJobs = new Set(splitWaits(graph, split).children.flatMap((list, child) => list.map(({ job }) => `${child} ${job}`)));
  const ready: string[] = [];
  const becomesReady = (name: string) => {
    if (pending.get(name) === 0 && started.has(split.childOf.get(name)!)) ready.push(name);
  };
  let free = runners;
  let end = 0;
  let waitMinutes = 0;
  waiting.forEach((count, child) => {
    if (count === 0) events.push(CHILD_STARTUP_MINUTES, { child });
  });
  for (let event = events.pop(); event !== undefined; event = events.pop()) {
    const [now, { job, child, arrives }] = event;
    end = Math.max(end, now);
    if (child !== undefined) {
      started.add(child);
      for (const name of split.children[child]!) becomesReady(name);
    } else if (arrives !== undefined) {
      pending.set(arrives, pending.get(arrives)! - 1);
      becomesReady(arrives);
    } else {
      free++;
      const own = split.childOf.get(job!)!;
      const consumers = new Set<number>();
      for (const dependent of graph.dependents.get(job!)!) {
        if (sameChild(dependent, job!)) {
          pending.set(dependent, pending.get(dependent)! - 1);
          becomesReady(dependent);
        } else if (waits) {
          const child = split.childOf.get(dependent)!;
          const waitFrom = CHILD_STARTUP_MINUTES + waitStart(child, job!);
          events.push(Math.max(now, waitFrom) + WAIT_LATENCY_MINUTES, { arrives: dependent });
          // Its wait job in that child, held from its start (the child's, or later when delayed).
          if (!consumers.has(child) && waitJobs.has(`${child} ${job!}`)) waitMinutes += Math.max(now, waitFrom) + WAIT_LATENCY_MINUTES - waitFrom;
          consumers.add(child);
        }
      }
      left[own] = left[own]! - 1;
      if (left[own] === 0) {
        for (const other of waitedBy[own]!) {
          waiting[other] = waiting[other]! - 1;
          if (waiting[other] === 0) events.push(now + CHILD_STARTUP_MINUTES, { child: other });
        }
      }
    }
    for (; free > 0 && ready.length > 0; free--) {
      const next = ready.shift()!;
      events.push(now + duration(next), { job: next });
    }
  }
  return { makespan: end, waitMinutes };
}

/** A binary min-heap of values by key. */
class MinHeap<T> {
  private readonly items: [number, T][] = [];

  push(key: number, value: T): void {
    const items = this.items;
    items.push([key, value]);
    for (let at = items.length - 1; at > 0;) {
      const parent = (at - 1) >> 1;
      if (items[parent]![0] <= items[at]![0]) break;
      [items[parent], items[at]] = [items[at]!, items[parent]!];
      at = parent;
    }
  }

  /** The entry of least key, removed. */
  pop(): [number, T] | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    for (let at = 0; ;) {
      let least = at;
      for (const next of [2 * at + 1, 2 * at + 2]) if (next < items.length && items[next]![0] < items[least]![0]) least = next;
      if (least === at) break;
      [items[least], items[at]] = [items[at]!, items[least]!];
      at = least;
    }
    return top;
  }
}

const DRAWS = 16;
/** Runner counts of the limited simulation; its best possible is max(critical path, work / runners). */
const RUNNERS = [20, 100];
/** Stacks of the draws: the issue's 120 and 480, and 1,000 unless BENCH_DRAWS_1000=0 (about 10 minutes more). */
const DRAWS_CONTAINERS = process.env.BENCH_DRAWS_1000 === '0' ? [120, 480] : [120, 480, 1000];
const LIMITS = { maxNeeds: 50, maxDepth: 2, maxArtifactBytes: 5 * 1024 * 1024, maxTriggerIncludes: 3, maxDownstreamPipelines: 1000 };

/**
 * What a previous run tells the split about `duration`: each job's time off by up to 30 %
 * either way, and 20 % of the jobs new (no estimate: the median of the known ones).
 */
function previousRun(duration: JobDuration, salt: string): (name: string) => number {
  const word = (name: string, at: number) => createHash('sha256').update(`${salt}/${name}`).digest().readUInt32BE(at) / 2 ** 32;
  const known = (name: string) => word(name, 0) >= 0.2;
  const cache = new Map<string, number>();
  let median: number | undefined;
  return (name) => {
    if (!known(name)) return (median ??= DEFAULT_ESTIMATE_SECONDS);
    let seconds = cache.get(name);
    if (seconds === undefined) cache.set(name, (seconds = duration(name) * 60 * (0.7 + 0.6 * word(name, 4))));
    return seconds;
  };
}

/**
 * Makespan / critical path over DRAWS draws of build times (unlimited runners, 1 minute per
 * child start-up), for the split given no estimates and given a noisy previous run, its
 * children linked by wait jobs and by triggers; one row each.
 */
function drawsTable(label: string, files: Record<string, string>, maxYamlBytes: number): void {
  const inputs = Object.entries(files).map(([file, text]) => parseSpackPipeline(file, text));
  for (const links of ['wait-jobs', 'triggers'] as ChildLinks[]) {
    const options = {
      settings,
      arch: 'amd64' as const,
      cache: 'production' as const,
      outputPath: 'generated/amd64/spack-pipeline',
      limits: { ...LIMITS, maxYamlBytes },
      links,
    };
    const blind = buildSpackPipeline(inputs, options);
    const { graph } = blind;
    const ratios = { none: [] as number[], estimated: [] as number[], perStage: [] as number[] };
    const limited = RUNNERS.map(() => ({ none: [] as number[], estimated: [] as number[], waitHours: [] as number[], estimatedWaitHours: [] as number[] }));
    const estimatedChildren: number[] = [];
    for (let draw = 0; draw < DRAWS; draw++) {
      const duration = minutesDrawn(`draw-${draw}`);
      const bound = criticalPath(graph, duration).length;
      const ratio = (split: BuildSplit, waitStart?: WaitStart) =>
        splitMakespan(graph, split, duration, { childStartup: CHILD_STARTUP_MINUTES, waitLatency: WAIT_LATENCY_MINUTES, waitStart }) / bound;
      const estimate = previousRun(duration, `noise-${draw}`);
      const informed = buildSpackPipeline(inputs, { ...options, estimate });
      // With estimates, wait jobs start when their spec is near (in minutes, as the draws are).
      const starts = links === 'wait-jobs' ? waitStarts(graph, informed.split, estimate) : [];
      const delayed: WaitStart = (child, job) => (starts[child]?.get(job) ?? 0) / 60;
      estimatedChildren.push(informed.split.children.length);
      ratios.none.push(ratio(blind.split));
      ratios.estimated.push(ratio(informed.split, delayed));
      ratios.perStage.push(ratio(oneChildPerStage(graph)));
      const work = graph.jobs.reduce((total, job) => total + duration(job.name), 0);
      RUNNERS.forEach((runners, at) => {
        const best = Math.max(bound, work / runners);
        const none = limitedMakespan(graph, blind.split, duration, runners);
        const estimated = limitedMakespan(graph, informed.split, duration, runners, delayed);
        limited[at]!.none.push(none.makespan / best);
        limited[at]!.waitHours.push(none.waitMinutes / 60);
        limited[at]!.estimated.push(estimated.makespan / best);
        limited[at]!.estimatedWaitHours.push(estimated.waitMinutes / 60);
      });
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b) / values.length;
    const summary = (values: number[]) => `x${mean(values).toFixed(2)} (x${Math.max(...values).toFixed(2)})`;
    const children = blind.split.children.length;
    const waitJobs = blind.plan.children.reduce((total, child) => total + child.waitJobs.length, 0);
    console.log(
      `| ${label} | ${links} | ${graph.jobs.length} | ${children} / ${Math.min(...estimatedChildren)}-${Math.max(...estimatedChildren)} | ${(graph.jobs.length / children).toFixed(0)} | ${waitJobs} | ` +
        `${summary(ratios.none)} | ${summary(ratios.estimated)} | ${summary(ratios.perStage)} | ` +
        `${limited.map(({ none, estimated }) => `${summary(none)} / ${summary(estimated)}`).join(' | ')} | ${limited.map(({ waitHours, estimatedWaitHours }) => `${mean(waitHours).toFixed(0)} / ${mean(estimatedWaitHours).toFixed(0)}`).join(' | ')} |`,
    );
  }
}

function draws(): void {
  console.log(
    `Makespan / critical path, mean (worst) over ${DRAWS} draws, 1 min per child start-up, ${WAIT_LATENCY_SECONDS} s per wait; unlimited runners, then limited (ratio to the best possible):`,
  );
  console.log(
    `| stack | children linked by | specs | children (no estimates / estimates) | jobs per child | wait jobs | no estimates | previous run, ±30 %, 20 % new | one child per stage | ${RUNNERS.map((runners) => `${runners} runners: none / previous run`).join(' | ')} | ${RUNNERS.map((runners) => `light-runner hours held by wait jobs, ${runners} runners: none / previous run`).join(' | ')} |\n|---|---|---|---|---|---|---|---|---|${RUNNERS.map(() => '---|---|').join('')}`,
  );
  const merged = Object.fromEntries(FIXTURES.map((env) => [`${env}.yml`, readFileSync(path.join(repo, 'fixtures/spack', env, 'pipeline.yml'), 'utf8')]));
  drawsTable('merged fixtures, 30,000 B', merged, 30_000);
  drawsTable('synthetic stack (8 containers)', syntheticStack(5000, 8), 1_000_000);
  for (const containers of DRAWS_CONTAINERS) drawsTable(`intertwined, ${containers} containers`, intertwinedStack(containers), 1_000_000);
}

/**
 * Time the whole command (read, parse, merge, split, render, write) on the files in `input`, in a
 * fresh process running this script's --measure mode.
 */
export function measureCommand(input: string): { commandMs: number; wallMs: number; maxRssMB: number } {
  const work = mkdtempSync(path.join(os.tmpdir(), 'spack-bench-'));
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', input], { cwd: work, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(work, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(child.stderr);
  const measured = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { commandMs: number; maxRssMB: number };
  return { wallMs, ...measured };
}

function speed(files: Record<string, string>): { inputMB: number; commandMs: number; wallMs: number; maxRssMB: number } {
  const input = mkdtempSync(path.join(os.tmpdir(), 'spack-bench-in-'));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(input, file), text);
  const measured = measureCommand(input);
  rmSync(input, { recursive: true, force: true });
  const inputMB = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 1e6;
  return { inputMB, ...measured };
}

function speedLine(label: string, files: Record<string, string>): void {
  const { inputMB, commandMs, wallMs, maxRssMB } = speed(files);
  console.log(
    `${label}: ${inputMB.toFixed(1)} MB of input; command ${commandMs.toFixed(0)} ms, process ${wallMs.toFixed(0)} ms wall, peak RSS ${maxRssMB.toFixed(0)} MB`,
  );
}

/** Time and peak memory as the intertwined stack grows: growth should be linear. */
function scaling(): void {
  console.log('| containers | specs | input MB | command s | process s | peak RSS MB |\n|---|---|---|---|---|---|');
  for (const containers of [30, 120, 480, 1000]) {
    const files = intertwinedStack(containers);
    const specs = new Set(Object.values(files).flatMap((text) => [...text.matchAll(/^(\S[^:\n]*@[^:\n]*):$/gm)].map((match) => match[1]))).size;
    const { inputMB, commandMs, wallMs, maxRssMB } = speed(files);
    console.log(
      `| ${containers} | ${specs} | ${inputMB.toFixed(0)} | ${(commandMs / 1000).toFixed(1)} | ${(wallMs / 1000).toFixed(1)} | ${maxRssMB.toFixed(0)} |`,
    );
  }
}

async function measure(input: string): Promise<void> {
  const started = process.hrtime.bigint();
  await main(['process-spack-pipeline', '--input', input, '--output', 'out', '--settings', settingsFile]);
  const commandMs = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ commandMs, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

if (realpathSync(process.argv[1]!) !== fileURLToPath(import.meta.url)) {
  // Imported by another bench (original-tool.ts) for its stack and timing: nothing to run here.
} else if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!);
} else if (process.argv[2] === '--draws') {
  draws();
} else if (process.argv[2] === '--scaling') {
  scaling();
} else if (process.argv[2] === '--write-stack') {
  // The intertwined stack of N containers as input files: --write-stack N DIR
  for (const [file, text] of Object.entries(intertwinedStack(Number(process.argv[3])))) writeFileSync(path.join(process.argv[4]!, file), text);
} else if (process.argv[2] === '--write-synthetic') {
  // The synthetic stack as input files, to try the commands on: --write-synthetic DIR
  for (const [file, text] of Object.entries(syntheticStack(5000, 8))) writeFileSync(path.join(process.argv[3]!, file), text);
} else {
  const merged = Object.fromEntries(FIXTURES.map((env) => [`${env}.yml`, readFileSync(path.join(repo, 'fixtures/spack', env, 'pipeline.yml'), 'utf8')]));
  const synthetic = syntheticStack(5000, 8);
  console.log('Quality (simulated, log-normal durations, 1 min per child start-up, unlimited runners):');
  quality('  merged fixtures', merged, 1_000_000);
  quality('  merged fixtures, 40,000-byte budget', merged, 40_000);
  quality('  merged fixtures, 30,000-byte budget', merged, 30_000);
  quality('  synthetic stack', synthetic, 1_000_000);
  quality('  synthetic stack, 500,000-byte budget', synthetic, 500_000);
  console.log('Speed (process-spack-pipeline end to end):');
  speedLine('  merged fixtures', merged);
  if (process.env.BENCH_SPEED_SYNTHETIC !== '0') speedLine('  synthetic stack', synthetic);
  if (process.env.BENCH_DRAWS !== '0') draws();
  if (process.env.BENCH_SCALING !== '0') scaling();
}
