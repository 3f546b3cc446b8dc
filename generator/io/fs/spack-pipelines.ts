import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../input/errors.js';
import { parseRebuildReasons } from '../../spack/generate-log.js';
import { parseSpackPipeline, type SpackPipeline } from '../../spack/generate-output-parser.js';
import { compareCodePoints } from '../../pipeline/order.js';

/**
 * Every `*.yml`/`*.yaml` under `dir` (recursively), parsed as one `spack ci generate` output.
 * A folder that exists but holds none means an architecture without Spack containers.
 */
export async function readSpackPipelines(dir: string): Promise<SpackPipeline[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw new InputError({ file: dir }, `cannot read the input folder: ${(error as Error).message}`);
  }
  const files = entries.filter((entry) => /\.ya?ml$/.test(entry)).sort(compareCodePoints);
  return Promise.all(
    files.map(async (entry) => {
      const file = path.join(dir, entry);
      return parseSpackPipeline(file, await readFile(file, 'utf8'));
    }),
  );
}

/** The `generate.log` the generate jobs keep beside each output (`spacktainers plan` reads them). */
export async function findGenerateLogs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((entry) => path.basename(entry) === 'generate.log')
    .sort(compareCodePoints)
    .map((entry) => path.join(dir, entry));
}

/** Rebuild reasons from every `spack ci generate` log given. */
export async function readRebuildReasons(files: string[]): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new InputError({ file }, `cannot read the generate log: ${(error as Error).message}`);
    }
    for (const [hash, reason] of parseRebuildReasons(text)) reasons.set(hash, reason);
  }
  return reasons;
}
