import { SpacktainersError } from '../errors.js';
import { DEFAULT_ESTIMATE_SECONDS } from './durations.js';
import type { SpackBuildGraph } from './merge.js';

/** A job's expected build time in seconds, from its name (durations of earlier pipelines). */
export type JobEstimate = (jobName: string) => number;

/**
 * How a job waits for a dependency built in another child: its child waits for the whole of
 * that child (`triggers`: trigger needs, `strategy: depend`), or every child starts at once and
 * a light job in it waits for that one spec to be in the build cache (`wait-jobs`, wait-jobs.ts).
 */
export const CHILD_LINKS = ['wait-jobs', 'triggers'] as const;
export type ChildLinks = (typeof CHILD_LINKS)[number];

/** Build jobs divided into child pipelines. Jobs of child i only need jobs of children before it. */
export interface BuildSplit {
  /** Build job names of each child pipeline, by stage then name. */
  children: string[][];
  childOf: Map<string, number>;
  links: ChildLinks;
  /**
   * The children each child waits for, without those it already waits for through another;
   * with wait jobs, none: every child starts at once.
   */
  waitsFor: number[][];
}

/**
 * Divide the build graph into child pipelines of at most `budget` bytes of jobs each.
 *
 * A child waits for the whole of every child it depends on (`strategy: depend`), so a job
 * placed apart from its dependencies waits for unrelated work too. Build times are estimates at
 * best (`estimate`, by default the same for every job), so the split keeps each job's ancestry
 * together and cuts the graph into vertical slices rather than bands of stages, where every
 * job would wait for the slowest build of the band before it. Chains are measured in estimated
 * seconds: with equal estimates that is the number of jobs.
 * - Everything fits in one child when it can, which is always the best split.
 * - Otherwise the jobs needed by many sinks (jobs nothing needs: the final specs) form a base:
 *   the smallest one (needed by at least t sinks, for the largest t that works) whose removal
 *   leaves connected parts that each fit in a child. A part (typically one container's own
 *   specs, or a group of containers sharing more than the base) waits only for the base,
 *   never for another part.
 * - Parts are packed by bytes into as few children as possible (first fit, biggest first);
 *   those children run side by side once the base is done. A part no deeper (in seconds) than
 *   the base's last child joins it when there is room: it rarely makes that child finish
 *   later and saves a child and its start-up. Deeper parts never join, as a long part there
 *   would hold up every other part.
 * - The base, and a part too big for one child, are split the same way, recursively. What
 *   leads to a single sink has no vertical slices and is cut in dependency order (by depth,
 *   as stages are), each piece as full as the budget allows.
 * In the benchmark this gives close to the fewest children the budget allows (12 for 11 at
 * least on a 5,000-spec stack). Linked by triggers, its makespan is within a few percent of the
 * graph's critical path when there are several containers and build times are kind; with wait
 * jobs (`links`), children do not wait for each other and the slices only keep the waits few.
 * Estimates place the slices only for triggers, where a child waits for a whole other child;
 * see docs/spack-pipeline.md for the figures.
 */
export function splitBuildGraph(
  graph: SpackBuildGraph,
  jobBytes: Map<string, number>,
  budget: number,
  maxChildren: number,
  estimate?: JobEstimate,
  links: ChildLinks = 'triggers',
): BuildSplit {
  for (const job of graph.jobs) {
    const bytes = jobBytes.get(job.name)!;
    if (bytes > budget) {
      throw SpacktainersError.input(
        { file: job.file, key: job.name },
        `this job alone is ${bytes} bytes of YAML, over the budget of ${budget} bytes per child pipeline (--max-yaml-bytes)`,
      );
    }
  }
  const uniform = indexGraph(graph, jobBytes, () => DEFAULT_ESTIMATE_SECONDS);
  let placed = placeAll(uniform, budget);
  if (estimate && links === 'triggers') {
    // Estimates can be wrong: the slices placed by them are kept only when, by the same
    // estimates, they finish sooner than those placed without.
    const estimated = indexGraph(graph, jobBytes, estimate);
    const candidates = [placed, placeAll(estimated, budget)].map((each) => shortFirst(estimated, each, maxChildren));
    const times = candidates.map((each) => estimatedMakespan(estimated, each));
    placed = candidates[times[1]! < times[0]! ? 1 : 0]!;
  }
  if (placed.length > maxChildren) {
    throw SpacktainersError.input(
      { file: graph.inputs[0]?.file ?? '--input' },
      `${graph.jobs.length} build jobs need ${placed.length} child pipelines, over the ${maxChildren} GitLab allows; raise --max-yaml-bytes`,
    );
  }
  const childOf = new Map<string, number>();
  const children = placed.map((members, child) => {
    const jobs = members.map((index) => graph.jobs[index]!);
    for (const job of jobs) childOf.set(job.name, child);
    return jobs.sort((a, b) => a.stage - b.stage || (a.name < b.name ? -1 : 1)).map((job) => job.name);
  });
  const waitsFor = links === 'triggers' ? reducedChildDependencies(graph, childOf, children.length) : children.map(() => []);
  return { children, childOf, links, waitsFor };
}

/** What starting a child pipeline costs, in seconds: GitLab creating it, runners picking up its jobs. */
export const CHILD_STARTUP_SECONDS = 60;
/** Where a waited-for child is tried cut in two: these fractions of its longest chain. */
const CUTS = [0.25, 0.5, 0.75];

/**
 * With estimates, short shared work goes first: a child that others wait for is cut in two,
 * the jobs whose chains end early in one child and the rest in a second one after it, when the
 * estimated makespan drops. Children needing only the early jobs then do not wait for a long
 * build beside them.
 */
function shortFirst(graph: IndexedGraph, placed: number[][], maxChildren: number): number[][] {
  let best = placed;
  let bestTime = estimatedMakespan(graph, best);
  for (let child = 0; child < best.length && best.length < maxChildren; child++) {
    const members = best[child]!;
    const chain = deepest(members, graph.depth);
    let chosen: number[][] | undefined;
    for (const cut of CUTS) {
      const early = members.filter((job) => graph.depth[job]! <= cut * chain);
      if (early.length === 0 || early.length === members.length) continue;
      const late = members.filter((job) => graph.depth[job]! > cut * chain);
      const candidate = [...best.slice(0, child), early, late, ...best.slice(child + 1)];
      const time = estimatedMakespan(graph, candidate);
      if (time < bestTime) [chosen, bestTime] = [candidate, time];
    }
    if (chosen) best = chosen;
  }
  return best;
}

/**
 * When `placed` finishes by the estimates, with unlimited runners: a child starts when the
 * children holding its jobs' dependencies have finished, plus its start-up.
 */
function estimatedMakespan(graph: IndexedGraph, placed: number[][]): number {
  const childOf: number[] = [];
  placed.forEach((members, child) => members.forEach((job) => (childOf[job] = child)));
  const finish: number[] = [];
  const childFinish: number[] = [];
  let last = 0;
  placed.forEach((members, child) => {
    let start = 0;
    for (const job of members) {
      for (const dependency of graph.dependencies[job]!) {
        const other = childOf[dependency]!;
        if (other !== child) start = Math.max(start, childFinish[other]!);
      }
    }
    start += CHILD_STARTUP_SECONDS;
    let end = start;
    // Members are in ascending positions, a topological order.
    for (const job of [...members].sort((a, b) => a - b)) {
      let ready = start;
      for (const dependency of graph.dependencies[job]!) if (childOf[dependency] === child) ready = Math.max(ready, finish[dependency]!);
      finish[job] = ready + graph.depth[job]! - graph.start[job]!;
      end = Math.max(end, finish[job]);
    }
    childFinish[child] = end;
    last = Math.max(last, end);
  });
  return last;
}

function placeAll(graph: IndexedGraph, budget: number): number[][] {
  const placed: number[][] = [];
  placeSlices(
    graph,
    graph.bytes.map((_, index) => index),
    budget,
    placed,
  );
  return placed;
}

/** The build graph by position in `graph.jobs` (a topological order), for fast set work. */
interface IndexedGraph {
  dependencies: number[][];
  dependents: number[][];
  bytes: number[];
  /** Estimated seconds of the longest chain of dependencies ending at each job, itself included. */
  depth: number[];
  /** Estimated seconds of the longest chain of dependencies before each job starts. */
  start: number[];
}

function indexGraph(graph: SpackBuildGraph, jobBytes: Map<string, number>, estimate: JobEstimate): IndexedGraph {
  const position = new Map(graph.jobs.map((job, index) => [job.name, index]));
  const dependencies = graph.jobs.map((job) => job.dependencies.map((name) => position.get(name)!));
  const depth: number[] = [];
  const start: number[] = [];
  for (const [job, needs] of dependencies.entries()) {
    start[job] = deepest(needs, depth);
    depth[job] = start[job] + estimate(graph.jobs[job]!.name);
  }
  return {
    dependencies,
    dependents: graph.jobs.map((job) => graph.dependents.get(job.name)!.map((name) => position.get(name)!)),
    bytes: graph.jobs.map((job) => jobBytes.get(job.name)!),
    depth,
    start,
  };
}

/**
 * Append to `children` the children holding `jobs` (ascending positions, so dependencies
 * first; their other dependencies are in children already placed), each child after every
 * child it depends on.
 */
function placeSlices(graph: IndexedGraph, jobs: number[], budget: number, children: number[][]): void {
  if (jobs.length === 0) return;
  if (sum(jobs, graph.bytes) <= budget) {
    children.push(jobs);
    return;
  }
  const member = new Set(jobs);
  const sinks = jobs.filter((job) => !graph.dependents[job]!.some((dependent) => member.has(dependent)));
  if (sinks.length === 1) {
    // Everything here leads to one spec: no vertical slice exists. Cut in the order the jobs
    // can start, so each piece holds what is ready together.
    const { start } = graph;
    let piece: number[] = [];
    let pieceBytes = 0;
    for (const job of [...jobs].sort((a, b) => start[a]! - start[b]! || a - b)) {
      if (pieceBytes + graph.bytes[job]! > budget) {
        children.push(piece);
        piece = [];
        pieceBytes = 0;
      }
      piece.push(job);
      pieceBytes += graph.bytes[job]!;
    }
    children.push(piece);
    return;
  }
  const { base, parts } = baseAndParts(graph, jobs, sinks, budget);
  placeSlices(graph, base, budget, children);
  const lastBase = base.length > 0 ? children[children.length - 1]! : [];
  let lastBaseBytes = sum(lastBase, graph.bytes);
  const lastBaseDepth = deepest(lastBase, graph.depth);
  const bins: { jobs: number[]; bytes: number }[] = [];
  const sized = parts.map((part) => ({ part, bytes: sum(part, graph.bytes) }));
  sized.sort((a, b) => b.bytes - a.bytes || a.part[0]! - b.part[0]!);
  for (const { part, bytes } of sized) {
    if (bytes > budget) {
      placeSlices(graph, part, budget, children);
      continue;
    }
    if (lastBaseBytes + bytes <= budget && deepest(part, graph.depth) <= lastBaseDepth) {
      lastBase.push(...part);
      lastBaseBytes += bytes;
      continue;
    }
    let bin = bins.find((candidate) => candidate.bytes + bytes <= budget);
    if (!bin) bins.push((bin = { jobs: [], bytes: 0 }));
    bin.jobs.push(...part);
    bin.bytes += bytes;
  }
  for (const bin of bins) children.push(bin.jobs.sort((a, b) => a - b));
}

/**
 * The smallest base (jobs needed by at least t sinks, for the largest t that works) whose
 * removal leaves connected parts that each fit in the budget; with no such t, every shared job
 * is base and the parts are what only one sink needs. Parts only grow as t does, so jobs are
 * added to the parts by rising sharing, in one pass, until the largest part passes the budget.
 */
function baseAndParts(graph: IndexedGraph, jobs: number[], sinks: number[], budget: number): { base: number[]; parts: number[][] } {
  const sharing = sinkCounts(graph, jobs, sinks);
  const sinksOf = (job: number) => sharing.get(job)!;
  const bySharing = [...jobs].sort((a, b) => sinksOf(a) - sinksOf(b) || a - b);
  const parts = new Parts(graph.bytes);
  let threshold = sharing.get(bySharing.find((job) => sinksOf(job) >= 2) ?? -1) ?? 2;
  for (let at = 0; at < bySharing.length;) {
    const count = sinksOf(bySharing[at]!);
    if (count >= 2) {
      // The parts now are what sharing below `count` leaves.
      if (parts.largest > budget) break;
      threshold = count;
    }
    for (; at < bySharing.length && sinksOf(bySharing[at]!) === count; at++) {
      const job = bySharing[at]!;
      parts.add(job, graph.dependencies[job]!, graph.dependents[job]!);
    }
  }
  const base = jobs.filter((job) => sinksOf(job) >= threshold);
  const rest = jobs.filter((job) => sinksOf(job) < threshold);
  return { base, parts: connectedParts(graph, rest) };
}

/** Growing connected parts (union-find), with the bytes of the largest. */
class Parts {
  private readonly root = new Map<number, number>();
  private readonly partBytes = new Map<number, number>();
  largest = 0;

  constructor(private readonly bytes: number[]) {}

  add(job: number, dependencies: number[], dependents: number[]): void {
    this.root.set(job, job);
    this.partBytes.set(job, this.bytes[job]!);
    this.largest = Math.max(this.largest, this.bytes[job]!);
    for (const other of [...dependencies, ...dependents]) if (this.root.has(other)) this.join(job, other);
  }

  /** The parts of `jobs` (all added), each in the order of `jobs`, in the order of their first job. */
  members(jobs: number[]): number[][] {
    const parts = new Map<number, number[]>();
    for (const job of jobs) {
      const top = this.find(job);
      const part = parts.get(top);
      if (part) part.push(job);
      else parts.set(top, [job]);
    }
    return [...parts.values()];
  }

  private find(job: number): number {
    let top = job;
    while (this.root.get(top)! !== top) top = this.root.get(top)!;
    for (let at = job; at !== top;) {
      const next = this.root.get(at)!;
      this.root.set(at, top);
      at = next;
    }
    return top;
  }

  private join(a: number, b: number): void {
    const [one, other] = [this.find(a), this.find(b)];
    if (one === other) return;
    const bytes = this.partBytes.get(one)! + this.partBytes.get(other)!;
    this.root.set(other, one);
    this.partBytes.set(one, bytes);
    this.largest = Math.max(this.largest, bytes);
  }
}

/** For each job, how many of `sinks` need it (itself included), within `jobs`. */
function sinkCounts(graph: IndexedGraph, jobs: number[], sinks: number[]): Map<number, number> {
  const words = Math.ceil(sinks.length / 32);
  const sinkIndex = new Map(sinks.map((job, index) => [job, index]));
  const neededBy = new Map<number, Uint32Array>();
  const counts = new Map<number, number>();
  for (let i = jobs.length - 1; i >= 0; i--) {
    const job = jobs[i]!;
    const bits = new Uint32Array(words);
    const own = sinkIndex.get(job);
    if (own !== undefined) bits[own >>> 5]! |= 1 << (own & 31);
    for (const dependent of graph.dependents[job]!) {
      const other = neededBy.get(dependent);
      if (other) for (let w = 0; w < words; w++) bits[w]! |= other[w]!;
    }
    neededBy.set(job, bits);
    counts.set(
      job,
      bits.reduce((total, word) => total + popcount(word), 0),
    );
  }
  return counts;
}

/** The weakly connected components of `jobs` (ascending positions), each ascending. */
function connectedParts(graph: IndexedGraph, jobs: number[]): number[][] {
  const parts = new Parts(graph.bytes);
  for (const job of jobs) parts.add(job, graph.dependencies[job]!, graph.dependents[job]!);
  return parts.members(jobs);
}

function deepest(jobs: number[], depth: number[]): number {
  let most = 0;
  for (const job of jobs) most = Math.max(most, depth[job]!);
  return most;
}

function sum(jobs: number[], bytes: number[]): number {
  let total = 0;
  for (const job of jobs) total += bytes[job]!;
  return total;
}

function popcount(word: number): number {
  let count = 0;
  for (let w = word >>> 0; w !== 0; w &= w - 1) count++;
  return count;
}

/** For each child, the children holding its jobs' dependencies, minus those implied by others. */
function reducedChildDependencies(graph: SpackBuildGraph, childOf: Map<string, number>, count: number): number[][] {
  const direct = Array.from({ length: count }, () => new Set<number>());
  for (const job of graph.jobs) {
    const child = childOf.get(job.name)!;
    for (const dependency of job.dependencies) {
      const other = childOf.get(dependency)!;
      if (other !== child) direct[child]!.add(other);
    }
  }
  const reaches: Set<number>[] = [];
  return direct.map((dependencies, child) => {
    const covered = new Set<number>();
    const kept: number[] = [];
    for (const dependency of [...dependencies].sort((a, b) => b - a)) {
      if (covered.has(dependency)) continue;
      kept.push(dependency);
      covered.add(dependency);
      for (const further of reaches[dependency]!) covered.add(further);
    }
    reaches[child] = covered;
    return kept.sort((a, b) => a - b);
  });
}
