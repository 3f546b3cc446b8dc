import { InputError } from '../input/errors.js';
import type { SpackBuildGraph } from './merge.js';

/** Build jobs divided into child pipelines. Child i only waits for children before it. */
export interface BuildSplit {
  /** Build job names of each child pipeline, by stage then name. */
  children: string[][];
  childOf: Map<string, number>;
  /** The children each child waits for, without those it already waits for through another. */
  waitsFor: number[][];
}

/**
 * Divide the build graph into child pipelines of at most `budget` bytes of jobs each.
 *
 * A child waits for the whole of every child it depends on (`strategy: depend`), so a job
 * placed apart from its dependencies waits for unrelated work too, and build times are not
 * known in advance (a few builds take hours, most minutes). The split therefore keeps each
 * job's ancestry together and cuts the graph into vertical slices rather than time bands:
 * - everything fits in one child when it can, which is always the best split;
 * - otherwise the jobs needed by many sinks (jobs nothing needs: the final specs) form a base,
 *   the smallest one whose removal leaves connected parts that each fit in a child. Each part
 *   (typically one container's own specs) waits only for the base, never for another part;
 * - the parts are packed into as few children as their bytes allow (first fit, biggest
 *   first), which run side by side once the base is done;
 * - the base, and a part too big for one child, are split the same way, recursively; a part
 *   that leads to a single sink has no vertical slices and is cut in dependency order.
 */
export function splitBuildGraph(
  graph: SpackBuildGraph,
  jobBytes: Map<string, number>,
  budget: number,
  maxChildren: number,
): BuildSplit {
  for (const job of graph.jobs) {
    const bytes = jobBytes.get(job.name)!;
    if (bytes > budget) {
      throw new InputError(
        { file: job.file, key: job.name },
        `this job alone is ${bytes} bytes of YAML, over the budget of ${budget} bytes per child pipeline (--max-yaml-bytes)`,
      );
    }
  }
  const indexed = indexGraph(graph, jobBytes);
  const placed: number[][] = [];
  placeSlices(indexed, graph.jobs.map((_, index) => index), budget, placed);
  if (placed.length > maxChildren) {
    throw new InputError(
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
  return { children, childOf, waitsFor: reducedChildDependencies(graph, childOf, children.length) };
}

/** The build graph by position in `graph.jobs` (a topological order), for fast set work. */
interface IndexedGraph {
  dependencies: number[][];
  dependents: number[][];
  bytes: number[];
}

function indexGraph(graph: SpackBuildGraph, jobBytes: Map<string, number>): IndexedGraph {
  const position = new Map(graph.jobs.map((job, index) => [job.name, index]));
  return {
    dependencies: graph.jobs.map((job) => job.dependencies.map((name) => position.get(name)!)),
    dependents: graph.jobs.map((job) => graph.dependents.get(job.name)!.map((name) => position.get(name)!)),
    bytes: graph.jobs.map((job) => jobBytes.get(job.name)!),
  };
}

/**
 * Append to `children` the children holding `jobs` (ascending positions, closed under the
 * dependencies that are not already placed), each child after every child it depends on.
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
    // Everything here leads to one spec: no vertical slice exists, so cut in dependency
    // order (by depth, as stages are), each piece as full as the budget allows.
    const depth: number[] = [];
    for (const job of jobs) depth[job] = Math.max(0, ...graph.dependencies[job]!.map((d) => (depth[d] ?? -1) + 1));
    let piece: number[] = [];
    let pieceBytes = 0;
    for (const job of [...jobs].sort((a, b) => depth[a]! - depth[b]! || a - b)) {
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
  const bins: { jobs: number[]; bytes: number }[] = [];
  const sized = parts.map((part) => ({ part, bytes: sum(part, graph.bytes) }));
  sized.sort((a, b) => b.bytes - a.bytes || a.part[0]! - b.part[0]!);
  for (const { part, bytes } of sized) {
    if (bytes > budget) {
      placeSlices(graph, part, budget, children);
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
 * is base and the parts are what only one sink needs.
 */
function baseAndParts(
  graph: IndexedGraph,
  jobs: number[],
  sinks: number[],
  budget: number,
): { base: number[]; parts: number[][] } {
  const sharing = sinkCounts(graph, jobs, sinks);
  const thresholds = [...new Set(jobs.map((job) => sharing.get(job)!).filter((count) => count >= 2))].sort((a, b) => b - a);
  let chosen = { base: [] as number[], parts: [] as number[][] };
  for (const threshold of thresholds.length > 0 ? thresholds : [2]) {
    const base = jobs.filter((job) => sharing.get(job)! >= threshold);
    const rest = jobs.filter((job) => sharing.get(job)! < threshold);
    chosen = { base, parts: connectedParts(graph, rest) };
    if (chosen.parts.every((part) => sum(part, graph.bytes) <= budget)) break;
  }
  return chosen;
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
    counts.set(job, bits.reduce((total, word) => total + popcount(word), 0));
  }
  return counts;
}

/** The weakly connected components of `jobs` (ascending positions), each ascending. */
function connectedParts(graph: IndexedGraph, jobs: number[]): number[][] {
  const root = new Map(jobs.map((job) => [job, job]));
  const find = (job: number): number => {
    let top = job;
    while (root.get(top)! !== top) top = root.get(top)!;
    for (let at = job; at !== top; ) {
      const next = root.get(at)!;
      root.set(at, top);
      at = next;
    }
    return top;
  };
  for (const job of jobs) {
    for (const dependency of graph.dependencies[job]!) {
      if (root.has(dependency)) root.set(find(job), find(dependency));
    }
  }
  const parts = new Map<number, number[]>();
  for (const job of jobs) {
    const top = find(job);
    const part = parts.get(top);
    if (part) part.push(job);
    else parts.set(top, [job]);
  }
  return [...parts.values()];
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
