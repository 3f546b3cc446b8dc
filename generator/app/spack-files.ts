import type { DefinitionSet } from '../definitions/definition.js';
import { SpacktainersError } from '../errors.js';
import { ifMissing, readTextFile } from '../io/fs/files.js';
import { findSpackLocks } from '../io/fs/spack-locks.js';
import { readSpackOutputs } from '../io/fs/spack-outputs.js';
import { findGenerateLogs, readGenerateLogs } from '../io/fs/generate-logs.js';
import { readSpackPipelines } from '../io/fs/spack-pipelines.js';
import { spackLockDigest } from '../provenance/package-list.js';
import type { Architecture } from '../settings/settings.js';
import { environmentPaths, spackOutputsRoot } from '../spack/environment.js';
import { parseRebuildReasons } from '../spack/generate-log.js';
import { parseSpackLock, type LockedEnvironment, type SpackLock, type SpackOutput } from '../spack/lock.js';
import { parseSpackPipeline, SpackStackParser, type SpackPipeline } from '../spack/generate-output-parser.js';
import { EarliestCopies, type JobCopy } from '../spack/merge.js';

/*
 * What Spack wrote (locks, generate outputs, logs), read through io/fs and parsed by the domain.
 * Every spack.lock is read by readTextFile and parsed by parseSpackLock.
 */

/**
 * The spack.lock of each Spack container of `arch` that its generate job wrote. A missing
 * lock is left out here; the caller decides whether that is an error.
 */
export async function loadLockedEnvironments(definitions: DefinitionSet, arch: Architecture, generatedRoot: string): Promise<Map<string, LockedEnvironment>> {
  const locks = new Map<string, LockedEnvironment>();
  for (const definition of definitions.definitions) {
    if (definition.arch !== arch || definition.kind !== 'spack') continue;
    const found = await readTextFile(`${environmentPaths(arch, definition.name, generatedRoot).outputDir}/spack.lock`).catch(() => undefined);
    if (found) locks.set(definition.name, { lock: parseSpackLock(found.file, found.text), digest: spackLockDigest(found.text) });
  }
  return locks;
}

/** Every container's generate output of `arch` under the generated folder (none when it is absent). */
export async function loadSpackOutputs(generatedRoot: string, arch: Architecture): Promise<SpackOutput[]> {
  const outputs: SpackOutput[] = [];
  for await (const { name, lock, pipeline } of readSpackOutputs(spackOutputsRoot(arch, generatedRoot))) {
    const parsed = parseSpackLock(lock.file, lock.text);
    // Specs already in the build cache get no job: the jobs are what this pipeline builds.
    const buildJobs = new Set(parseSpackPipeline(pipeline.file, pipeline.text).buildJobs.map((job) => job.dagHash));
    outputs.push({ name, lockFile: lock.file, lock: parsed, buildJobs });
  }
  return outputs;
}

/**
 * The `spack.lock` files given directly or found anywhere below given directories (the
 * janitor's keep set), each path's in turn so that its problems come in the order given. A
 * path that yields no lock is an error: an empty keep set would let the janitor delete what is
 * in use.
 */
export async function loadSpackLocks(paths: string[]): Promise<SpackLock[]> {
  const locks: SpackLock[] = [];
  for (const given of paths) {
    const files = await findSpackLocks([given]);
    if (files.length === 0) throw SpacktainersError.input({ file: given }, 'no spack.lock below this directory');
    for (const file of files) {
      const found = await readTextFile(file).catch(ifMissing);
      if (!found) throw SpacktainersError.input({ file }, 'no such file or directory');
      locks.push(parseSpackLock(found.file, found.text));
    }
  }
  return locks;
}

/**
 * Every `spack ci generate` output under `dir` (recursively), read and parsed one at a time: a
 * stack's inputs repeat most jobs, and a copy the merge would drop for one in an earlier file
 * is not even parsed (SpackStackParser).
 */
export async function loadSpackPipelines(dir: string): Promise<SpackPipeline[]> {
  const earliest = new EarliestCopies<JobCopy>();
  const parser = new SpackStackParser((name, stage, file) => !earliest.keeps({ name, stage, file }));
  const pipelines: SpackPipeline[] = [];
  for await (const input of readSpackPipelines(dir)) {
    const pipeline = parser.parse(input.file, input.bytes);
    for (const { name, stage, file } of pipeline.buildJobs) earliest.offer({ name, stage, file });
    pipelines.push(pipeline);
  }
  return pipelines;
}

/** Rebuild reasons from the `spack ci generate` logs given, or else from every `generate.log` below `outputsDir`. */
export async function loadRebuildReasons(logs: string[], outputsDir: string): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  for (const { text } of await readGenerateLogs(logs.length > 0 ? logs : await findGenerateLogs(outputsDir)))
    for (const [hash, reason] of parseRebuildReasons(text)) reasons.set(hash, reason);
  return reasons;
}
