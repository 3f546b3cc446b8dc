import { isPlainObject } from '../input/shape.js';
import { YamlValue } from '../input/yaml-source.js';

/** The job Spack writes to rebuild the binary mirror's index once every build is done. */
export const REBUILD_INDEX_JOB = 'rebuild-index';
/** The only job Spack writes when every spec is already in the build cache. */
export const NOOP_JOB = 'no-specs-to-rebuild';

/**
 * One build job of a `spack ci generate` output. The body is Spack's job as parsed, with the
 * file's global `variables:` folded into the job's own (the job's win, as in GitLab), so the
 * job means the same wherever it ends up.
 */
export interface SpackBuildJob {
  /** Spack's job name, a spec string such as `zlib-ng@2.1.4 /3ig4ymd %gcc@12.2.0 arch=…`. */
  name: string;
  /** The input file it came from. */
  file: string;
  /** N of Spack's `stage-N`. */
  stage: number;
  /** Jobs of the same pipeline this job needs (Spack's `needs: [{job, artifacts: false}]`). */
  dependencies: string[];
  /** Full DAG hash of the spec (`SPACK_JOB_SPEC_DAG_HASH`). */
  dagHash: string;
  body: Record<string, unknown>;
}

/** One parsed `spack ci generate` output. */
export interface SpackPipeline {
  file: string;
  buildJobs: SpackBuildJob[];
  /** Spack's `rebuild-index` job, with the file's global variables folded in. */
  rebuildIndex?: Record<string, unknown>;
  /** Spack's `no-specs-to-rebuild` job when the file says there is nothing to rebuild. */
  noop?: Record<string, unknown>;
}

const STAGE = /^stage-(\d+)$/;
/** Top-level keys of Spack's output that are not jobs. */
const PIPELINE_KEYS = new Set(['stages', 'variables', 'workflow']);

/**
 * Parse one `spack ci generate` output. Anything that is not what Spack 0.21 writes (a job
 * that is neither a build job, `rebuild-index` nor the no-op job, a need we cannot place) is an
 * input error naming the file and job, because it could not be carried into child pipelines
 * faithfully.
 */
export function parseSpackPipeline(file: string, text: string): SpackPipeline {
  const source = YamlValue.parse(file, text);
  const document = source.value;
  if (!isPlainObject(document)) {
    throw source.error([], 'not a spack ci generate output: the file is not a mapping of jobs');
  }
  const globals = document.variables === undefined ? {} : document.variables;
  if (!isPlainObject(globals)) throw source.error(['variables'], 'must be a mapping of variable names to values');
  const withGlobals = (body: Record<string, unknown>) => foldVariables(body, globals);

  const pipeline: SpackPipeline = { file, buildJobs: [] };
  for (const [name, body] of Object.entries(document)) {
    if (PIPELINE_KEYS.has(name)) continue;
    if (!isPlainObject(body)) throw source.error([name], 'not a spack ci generate output: a job must be a mapping');
    if (name === REBUILD_INDEX_JOB) pipeline.rebuildIndex = withGlobals(body);
    else if (name === NOOP_JOB) pipeline.noop = withGlobals(body);
    else pipeline.buildJobs.push(parseBuildJob(source, name, withGlobals(body)));
  }
  if (pipeline.buildJobs.length === 0 && !pipeline.noop) {
    throw source.error([], `not a spack ci generate output: no build jobs and no ${NOOP_JOB} job`);
  }
  if (pipeline.buildJobs.length > 0 && pipeline.noop) {
    throw source.error([NOOP_JOB], 'not a spack ci generate output: build jobs beside the no-op job');
  }
  const names = new Set(pipeline.buildJobs.map((job) => job.name));
  for (const job of pipeline.buildJobs) {
    const missing = job.dependencies.find((dependency) => !names.has(dependency));
    if (missing !== undefined) throw source.error([job.name, 'needs'], `needs "${missing}", which is not a job of this file`);
  }
  return pipeline;
}

function parseBuildJob(source: YamlValue, name: string, body: Record<string, unknown>): SpackBuildJob {
  const notSpack = (key: string, problem: string) => source.error([name, key], `not a Spack build job: ${problem}`);
  const dagHash = isPlainObject(body.variables) ? body.variables.SPACK_JOB_SPEC_DAG_HASH : undefined;
  if (typeof dagHash !== 'string') throw notSpack('variables', 'no SPACK_JOB_SPEC_DAG_HASH variable');
  const stage = typeof body.stage === 'string' ? STAGE.exec(body.stage) : null;
  if (!stage) throw notSpack('stage', 'stage is not stage-N');
  if (!Array.isArray(body.needs)) throw notSpack('needs', 'needs is not a list');
  const dependencies: string[] = [];
  for (const need of body.needs) {
    if (!isPlainObject(need) || typeof need.job !== 'string') throw notSpack('needs', 'a need is not {job: …}');
    // The entry with `pipeline:` fetches the concrete environment from the generating job; it
    // is kept as Spack wrote it and is not a dependency between build jobs.
    if (need.pipeline === undefined) dependencies.push(need.job);
  }
  return { name, file: source.file, stage: Number(stage[1]), dependencies, dagHash, body };
}

/** A copy of `body` whose variables are `globals` overridden by the job's own. */
function foldVariables(body: Record<string, unknown>, globals: Record<string, unknown>): Record<string, unknown> {
  const own = isPlainObject(body.variables) ? body.variables : {};
  const variables = { ...globals, ...own };
  return Object.keys(variables).length === 0 ? body : { ...body, variables };
}
