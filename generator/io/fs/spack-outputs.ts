import { readdir, readFile } from 'node:fs/promises';
import type { Architecture } from '../../settings/settings.js';
import { environmentPaths, spackOutputsRoot } from '../../spack/environment.js';
import { InputError } from '../../input/errors.js';
import { parseSpackLock, type SpackOutput } from '../../spack/lock.js';
import { parseSpackPipeline } from '../../spack/generate-output-parser.js';
import { compareCodePoints } from '../../pipeline/order.js';

/** Every container's generate output of `arch` under the generated folder (none when it is absent). */
export async function readSpackOutputs(generatedRoot: string, arch: Architecture): Promise<SpackOutput[]> {
  const names = await readdir(spackOutputsRoot(arch, generatedRoot)).catch(() => [] as string[]);
  const outputs: SpackOutput[] = [];
  for (const name of names.sort(compareCodePoints)) {
    const { outputDir } = environmentPaths(arch, name, generatedRoot);
    const lockFile = `${outputDir}/spack.lock`;
    const pipelineFile = `${outputDir}/pipeline.yml`;
    const lock = parseSpackLock(lockFile, await readOutput(lockFile));
    // Specs already in the build cache get no job: the jobs are what this pipeline builds.
    const buildJobs = new Set(parseSpackPipeline(pipelineFile, await readOutput(pipelineFile)).buildJobs.map((job) => job.dagHash));
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
