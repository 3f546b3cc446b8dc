import { readdir, readFile } from 'node:fs/promises';
import type { Architecture } from '../settings/settings.js';
import { environmentPaths } from './environment.js';
import { buildJobHashes } from './generate-output.js';
import { InputError } from '../input/errors.js';
import { parseSpackLock, type SpackLock } from './lock.js';

/** What one container's generate job left: its lock and the specs it must build. */
export interface SpackOutput {
  name: string;
  lockFile: string;
  lock: SpackLock;
  buildJobs: Set<string>;
}

/** Every container's generate output of `arch` under the generated folder (none when it is absent). */
export async function readSpackOutputs(generatedRoot: string, arch: Architecture): Promise<SpackOutput[]> {
  const outputsDir = `${generatedRoot}/${arch}/spack-outputs`;
  const names = await readdir(outputsDir).catch(() => [] as string[]);
  const outputs: SpackOutput[] = [];
  for (const name of names.sort()) {
    const { outputDir } = environmentPaths(arch, name, generatedRoot);
    const lockFile = `${outputDir}/spack.lock`;
    const pipelineFile = `${outputDir}/pipeline.yml`;
    const lock = parseSpackLock(lockFile, await readOutput(lockFile));
    const buildJobs = buildJobHashes(pipelineFile, await readOutput(pipelineFile));
    outputs.push({ name, lockFile, lock, buildJobs });
  }
  return outputs;
}

async function readOutput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError({ file }, `cannot read the generate job's output: ${(error as Error).message}`);
  }
}
