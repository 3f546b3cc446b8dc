import type { GitLabLimits, PipelineFile } from '../pipeline/limits.js';
import type { Architecture } from '../settings/settings.js';
import { rebuildReason } from './generate-log.js';
import { DEFAULT_ESTIMATE_SECONDS, estimateOf, roundSeconds, type Durations, type Estimate, type EstimateSource } from './durations.js';
import type { SpackBuildGraph, SpackInputSummary } from './merge.js';
import { criticalPath, splitMakespan } from './schedule.js';
import type { BuildSplit, ChildLinks } from './split.js';
import { WAIT_LATENCY_SECONDS, waitStarts, type SplitWaits } from './wait-jobs.js';

export const PLAN_FILE = 'plan.json';

/** One child pipeline in plan.json. */
export interface ChildPipelineReport {
  /** File name, relative to the output folder. */
  file: string;
  trigger: string;
  bytes: number;
  jobs: string[];
  /** Files of the children that must finish before this one starts (none with wait jobs). */
  waitsFor: string[];
  /** The build jobs of other children that jobs of this one wait for, each through a wait job. */
  waitJobs: string[];
}

/** plan.json: what was generated and how long its longest chain is. */
export interface PlanReport {
  arch: Architecture;
  maxYamlBytes: number;
  maxNeeds: number;
  inputs: SpackInputSummary[];
  buildJobs: number;
  /** How jobs wait for specs built in other children: wait jobs, or a trigger waiting for whole children. */
  links: ChildLinks;
  children: ChildPipelineReport[];
  criticalPath: {
    /** Longest chain of build jobs in the unsplit graph. */
    graphJobs: number;
    /** Longest chain counting a whole child for every child waited for (triggers). */
    splitJobs: number;
    /** The build jobs of the graph's longest chain, dependencies first. */
    jobs: string[];
  };
  /** With `--durations` only: how long each build job is expected to take, and the critical path in those times. */
  estimates?: PlanEstimates;
}

/** The build times a plan was made with (`--durations`). */
export interface PlanEstimates {
  /** Seconds given to a job of a package never built before. */
  defaultSeconds: number;
  /** How many jobs were estimated by their own earlier time, their package's median, the default. */
  sources: Record<EstimateSource, number>;
  criticalPath: {
    /** Longest chain of the unsplit graph, in estimated seconds. */
    graphSeconds: number;
    /**
     * The same through the child pipelines: a child waiting for the whole of each child it waits
     * for (triggers), or each wait adding WAIT_LATENCY_SECONDS after its spec or its delayed start (wait jobs).
     */
    splitSeconds: number;
    /** The build jobs of the graph's longest chain in estimated time, dependencies first. */
    jobs: string[];
  };
  /** Each build job's estimate, in the children's order. */
  jobs: Record<string, Estimate>;
}

/** The estimates of a split build graph's jobs under `durations`, and its critical path in them. */
export function planEstimates(graph: SpackBuildGraph, split: BuildSplit, waits: SplitWaits, durations: Durations): PlanEstimates {
  const jobs = new Map(split.children.flat().map((name) => [name, estimateOf(durations, name)]));
  const sources: Record<EstimateSource, number> = { job: 0, package: 0, default: 0 };
  for (const estimate of jobs.values()) sources[estimate.source]++;
  const seconds = (name: string) => jobs.get(name)!.seconds;
  const longest = criticalPath(graph, seconds);
  const starts = split.links === 'wait-jobs' ? waitStarts(graph, split, seconds, waits) : [];
  const waitStart = (child: number, job: string) => starts[child]?.get(job) ?? 0;
  return {
    defaultSeconds: DEFAULT_ESTIMATE_SECONDS,
    sources,
    criticalPath: {
      graphSeconds: roundSeconds(longest.length),
      splitSeconds: roundSeconds(splitMakespan(graph, split, seconds, { childStartup: 0, waitLatency: WAIT_LATENCY_SECONDS, waitStart })),
      jobs: longest.chain,
    },
    jobs: Object.fromEntries(jobs),
  };
}

/** The plan of a split build graph whose children were written as `children`, in split order. */
export function planReport(
  arch: Architecture,
  limits: GitLabLimits,
  graph: SpackBuildGraph,
  split: BuildSplit,
  waits: SplitWaits,
  children: PipelineFile[],
): PlanReport {
  const unit = () => 1;
  const longest = criticalPath(graph, unit);
  return {
    arch,
    maxYamlBytes: limits.maxYamlBytes,
    maxNeeds: limits.maxNeeds,
    inputs: graph.inputs,
    buildJobs: graph.jobs.length,
    links: split.links,
    children: children.map((file, index) => ({
      file: file.path,
      // Each child's trigger job is named after its file.
      trigger: file.path.replace(/\.yml$/, ''),
      bytes: Buffer.byteLength(file.text),
      jobs: split.children[index]!,
      waitsFor: split.waitsFor[index]!.map((other) => children[other]!.path),
      waitJobs: waits.children[index]!.map((wait) => wait.job),
    })),
    criticalPath: {
      graphJobs: longest.length,
      splitJobs: splitMakespan(graph, split, unit, { childStartup: 0 }),
      jobs: longest.chain,
    },
  };
}

/** What `plan --json` prints: plan.json, and why each build job is rebuilt (by job name, in the children's order). */
export interface PlanExplanation extends PlanReport {
  reasons: Record<string, string>;
}

export function planExplanation(result: { plan: PlanReport; graph: SpackBuildGraph }, reasons: Map<string, string>): PlanExplanation {
  const { plan, graph } = result;
  const jobs = plan.children.flatMap((child) => child.jobs);
  return { ...plan, reasons: Object.fromEntries(jobs.map((name) => [name, rebuildReason(reasons, graph.byName.get(name)!.dagHash)])) };
}

/**
 * The plan as a person reads it: jobs per input and per child, bytes of the budget, the critical
 * path and why each job is rebuilt. In a CI log (`section` given, its start time in seconds) it is
 * a collapsed GitLab log section, whose escape codes a terminal or a file would only show as noise.
 */
export function formatPlanReport(result: { plan: PlanReport; graph: SpackBuildGraph }, reasons: Map<string, string>, section?: { timestamp: number }): string {
  const { plan, graph } = result;
  const name = `spack_pipeline_plan_${plan.arch}`;
  const lines: string[] = [];
  const title =
    plan.buildJobs === 0
      ? `Spack pipeline for ${plan.arch}: nothing to rebuild`
      : `Spack pipeline for ${plan.arch}: ${plan.buildJobs} build jobs in ${plan.children.length} child pipelines`;
  lines.push(section ? `\x1b[0Ksection_start:${section.timestamp}:${name}[collapsed=true]\r\x1b[0K${title}` : title);
  lines.push('Inputs:');
  for (const input of plan.inputs) {
    lines.push(`  ${input.file}: ${input.nothingToRebuild ? 'nothing to rebuild' : `${input.buildJobs} build jobs`}`);
  }
  if (plan.buildJobs > 0) {
    const { graphJobs, splitJobs, jobs } = plan.criticalPath;
    lines.push(`Critical path: ${graphJobs} jobs in the dependency graph, ${splitJobs} through the child pipelines`);
    for (const name of jobs) lines.push(`  ${name}`);
    if (plan.estimates) lines.push(...estimateLines(plan.estimates));
    lines.push(`Child pipelines (at most ${plan.maxYamlBytes} bytes and ${plan.maxNeeds} needs per job):`);
    const waitJobs = plan.children.reduce((total, child) => total + child.waitJobs.length, 0);
    if (plan.links === 'wait-jobs')
      lines.push(`  They start together; ${waitJobs} wait jobs, on the light runners, wait for the specs of other children their jobs need`);
    for (const child of plan.children) {
      const share = ((100 * child.bytes) / plan.maxYamlBytes).toFixed(1);
      const waitJobs = child.waitJobs.length === 0 ? '' : `, ${child.waitJobs.length} wait jobs for specs of other children`;
      const waits = child.waitsFor.length === 0 ? `starts at once${waitJobs}` : `waits for ${child.waitsFor.join(', ')}`;
      lines.push(`  ${child.file}: ${child.jobs.length} jobs, ${child.bytes} bytes (${share}% of the budget), ${waits}`);
      for (const name of child.jobs) {
        const estimate = plan.estimates?.jobs[name];
        const time = estimate ? ` (${estimate.seconds} s, ${ESTIMATE_WORDS[estimate.source]})` : '';
        lines.push(`    ${name}: ${rebuildReason(reasons, graph.byName.get(name)!.dagHash)}${time}`);
      }
    }
  }
  if (section) lines.push(`\x1b[0Ksection_end:${section.timestamp}:${name}\r\x1b[0K`);
  return `${lines.join('\n')}\n`;
}

const ESTIMATE_WORDS: Record<EstimateSource, string> = { job: 'its own time', package: "its package's median", default: 'the default' };

/** What the plan's estimates say: where they came from, and the critical path in estimated time. */
function estimateLines(estimates: PlanEstimates): string[] {
  const { sources, criticalPath: path } = estimates;
  return [
    `Estimates (--durations): ${sources.job} jobs by their own time, ${sources.package} by their package's median, ` +
      `${sources.default} by the default of ${estimates.defaultSeconds} s`,
    `Critical path in estimated time: ${path.graphSeconds} s in the dependency graph, ${path.splitSeconds} s through the child pipelines`,
    ...path.jobs.map((name) => `  ${name} (${estimates.jobs[name]!.seconds} s)`),
  ];
}
