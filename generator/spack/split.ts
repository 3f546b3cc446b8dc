import { InputError } from '../input/errors.js';
import type { SpackBuildGraph } from './merge.js';
import type { SpackBuildJob } from './spack-pipeline.js';

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
 * placed apart from its dependencies waits for unrelated work too. To keep that waiting low:
 * - jobs needed by the same set of final specs (sinks of the graph) form a group, and groups
 *   are placed from the most shared (the common base of every container) to the least (what
 *   only one container needs), which is a topological order of the groups;
 * - a group goes into the child holding its latest dependencies when it has room, else into
 *   a new child that waits only for what the group needs, so that separate containers' own
 *   jobs end up in children that run side by side instead of in a chain (filling any child
 *   with room made unrelated jobs wait for each other: ×1.38 instead of ×1.24 in the bench);
 * - only a group bigger than the budget is cut, in dependency order.
 * Everything fits in one child when it can, which is always the best split.
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
  const childOf = new Map<string, number>();
  const room: number[] = [];
  const place = (piece: SpackBuildJob[], bytes: number) => {
    const inPiece = new Set(piece.map((job) => job.name));
    let lowest = 0;
    for (const job of piece) {
      for (const dependency of job.dependencies) {
        if (!inPiece.has(dependency)) lowest = Math.max(lowest, childOf.get(dependency)!);
      }
    }
    let child = room.findIndex((free, index) => index === lowest && free >= bytes);
    if (child < 0) child = room.push(budget) - 1;
    room[child]! -= bytes;
    for (const job of piece) childOf.set(job.name, child);
  };
  for (const group of sharedGroups(graph)) {
    let piece: SpackBuildJob[] = [];
    let pieceBytes = 0;
    for (const job of group) {
      const bytes = jobBytes.get(job.name)!;
      if (pieceBytes + bytes > budget) {
        place(piece, pieceBytes);
        piece = [];
        pieceBytes = 0;
      }
      piece.push(job);
      pieceBytes += bytes;
    }
    if (piece.length > 0) place(piece, pieceBytes);
  }
  if (room.length > maxChildren) {
    throw new InputError(
      { file: graph.inputs[0]?.file ?? '--input' },
      `${graph.jobs.length} build jobs need ${room.length} child pipelines, over the ${maxChildren} GitLab allows; raise --max-yaml-bytes`,
    );
  }
  const children: SpackBuildJob[][] = room.map(() => []);
  for (const job of graph.jobs) children[childOf.get(job.name)!]!.push(job);
  for (const jobs of children) jobs.sort((a, b) => a.stage - b.stage || (a.name < b.name ? -1 : 1));
  return {
    children: children.map((jobs) => jobs.map((job) => job.name)),
    childOf,
    waitsFor: reducedChildDependencies(graph, childOf, room.length),
  };
}

/**
 * Build jobs grouped by the set of sinks (jobs nothing needs) that need them, most shared
 * first. A job's dependencies are needed by every sink that needs the job, and by more when
 * the sets differ, so this order puts every dependency before its dependents.
 */
function sharedGroups(graph: SpackBuildGraph): SpackBuildJob[][] {
  const sinks = graph.jobs.filter((job) => graph.dependents.get(job.name)!.length === 0);
  const sinkIndex = new Map(sinks.map((job, index) => [job.name, index]));
  const words = Math.ceil(sinks.length / 32);
  const neededBy = new Map<string, Uint32Array>();
  for (let i = graph.jobs.length - 1; i >= 0; i--) {
    const job = graph.jobs[i]!;
    const bits = new Uint32Array(words);
    const own = sinkIndex.get(job.name);
    if (own !== undefined) bits[own >>> 5]! |= 1 << (own & 31);
    for (const dependent of graph.dependents.get(job.name)!) {
      const other = neededBy.get(dependent)!;
      for (let w = 0; w < words; w++) bits[w]! |= other[w]!;
    }
    neededBy.set(job.name, bits);
  }
  const groups = new Map<string, { count: number; first: number; jobs: SpackBuildJob[] }>();
  graph.jobs.forEach((job, index) => {
    const bits = neededBy.get(job.name)!;
    const key = bits.join(',');
    let group = groups.get(key);
    if (!group) {
      group = { count: bits.reduce((sum, word) => sum + popcount(word), 0), first: index, jobs: [] };
      groups.set(key, group);
    }
    group.jobs.push(job);
  });
  return [...groups.values()].sort((a, b) => b.count - a.count || a.first - b.first).map((group) => group.jobs);
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
