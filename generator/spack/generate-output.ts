import { parse } from 'yaml';
import { InputError } from '../input/errors.js';
import { isPlainObject } from '../input/shape.js';

/**
 * DAG hashes of the specs `spack ci generate` scheduled a build job for. Specs already in the
 * build cache get no job; a pipeline with nothing to build holds only `no-specs-to-rebuild`.
 */
export function buildJobHashes(file: string, text: string): Set<string> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new InputError({ file }, `not a spack ci generate pipeline: ${(error as Error).message}`);
  }
  if (!isPlainObject(data)) throw new InputError({ file }, 'not a spack ci generate pipeline: expected a mapping of jobs');
  const hashes = new Set<string>();
  for (const job of Object.values(data)) {
    const hash = isPlainObject(job) && isPlainObject(job.variables) ? job.variables.SPACK_JOB_SPEC_DAG_HASH : undefined;
    if (typeof hash === 'string') hashes.add(hash);
  }
  return hashes;
}
