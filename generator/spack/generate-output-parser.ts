import { CORE_SCHEMA, load } from 'js-yaml';
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
  /** Build jobs of the file left unparsed (`SpackStackParser`), not in `buildJobs`. */
  skippedJobs?: number;
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
  return parseWhole(file, text, (value) => value);
}

function parseWhole(file: string, text: string, share: (value: unknown) => unknown): SpackPipeline {
  const source = YamlValue.parse(file, text);
  const document = source.value;
  if (!isPlainObject(document)) {
    throw source.error([], 'not a spack ci generate output: the file is not a mapping of jobs');
  }
  const entries = Object.entries(document).map(([name, value]): [string, unknown] => [name, share(value)]);
  return pipelineOf(file, entries, (path, problem) => source.error(path, problem));
}

/**
 * Parses the `spack ci generate` outputs of one stack, as `parseSpackPipeline` does, for a
 * merge: the inputs of a stack repeat most jobs, and parsing and holding every copy was most
 * of the time and memory. So the body of a build job that `skip(name, stage, file)` says the
 * merge will not keep is left unparsed, and the jobs kept share one copy of each string.
 *
 * A cheap pre-scan of the bytes finds the top-level keys and the stage of each job; only files
 * laid out as Spack writes them (a plain key with an `@` per build job alone on its line at
 * column 0, `stage: stage-N` on a line of the job's own mapping) are taken apart so, each job
 * kept parsed on its own. Any other file, and any problem (the whole-file parse names its line),
 * is parsed whole. A copy skipped is not checked: Spack writes the same job for the same spec
 * hash, which is in the name.
 */
export class SpackStackParser {
  private readonly strings = new Map<string, string>();

  constructor(private readonly skip: (name: string, stage: number, file: string) => boolean) {}

  /** One input, from its UTF-8 bytes (only the jobs kept are decoded). */
  parse(file: string, bytes: Buffer): SpackPipeline {
    const share = (value: unknown) => this.share(value);
    try {
      const pipeline = parseEntries(file, bytes, (name, stage) => this.skip(name, stage, file), share);
      if (pipeline) return pipeline;
    } catch {
      // The whole-file parse says what is wrong, as for any input.
    }
    return parseWhole(file, bytes.toString('utf8'), share);
  }

  /** `value` with each string replaced by the first copy of it seen (mappings changed in place). */
  private share(value: unknown): unknown {
    if (typeof value === 'string') {
      let shared = this.strings.get(value);
      if (shared === undefined) {
        // A copy (exact, lone surrogates too): the parser's strings are slices of the file's
        // text, which they would keep alive.
        shared = JSON.parse(JSON.stringify(value)) as string;
        this.strings.set(shared, shared);
      }
      return shared;
    }
    // A copy of the list: the parser's lists have room for a dozen more items, most never used.
    if (Array.isArray(value)) return value.map((item) => this.share(item));
    if (isPlainObject(value)) {
      for (const key of Object.keys(value)) value[key] = this.share(value[key]);
    }
    return value;
  }
}

/** One top-level key of a file and where its text starts and ends. */
interface Entry {
  key: string;
  start: number;
  end: number;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
/** A build job's name as Spack writes it (`zlib@1.3 /abc1234 %gcc@12.2.0 arch=…`): a plain string, whatever the YAML schema. */
const JOB_NAME = /^[A-Za-z0-9_][\w@%/=~+^.,-]*(?: [\w@%/=~+^.,-]+)*$/;
const STAGE_LINE = Buffer.from('\n  stage: stage-');
/** Keys a file can hold besides build jobs, each parsed. */
const OTHER_KEYS = new Set([...PIPELINE_KEYS, REBUILD_INDEX_JOB, NOOP_JOB]);

/** The pipeline of the file taken apart at its top-level keys, or undefined when it is not laid out as Spack writes it. */
function parseEntries(
  file: string,
  bytes: Buffer,
  skip: (name: string, stage: number) => boolean,
  share: (value: unknown) => unknown,
): SpackPipeline | undefined {
  const entries = topLevelEntries(bytes);
  if (!entries) return undefined;
  const parsed: [string, unknown][] = [];
  const skipped = new Set<string>();
  for (const { key, start, end } of entries) {
    if (!OTHER_KEYS.has(key) && !JOB_NAME.test(key)) return undefined;
    const stage = OTHER_KEYS.has(key) ? undefined : stageOf(bytes, start + key.length + 2, end);
    if (stage !== undefined && skip(key, stage)) {
      skipped.add(key);
      continue;
    }
    const value = load(bytes.toString('utf8', start, end), { schema: CORE_SCHEMA, filename: file });
    if (!isPlainObject(value) || Object.keys(value).length !== 1 || !Object.hasOwn(value, key)) return undefined;
    parsed.push([key, share(value[key])]);
  }
  return pipelineOf(file, parsed, () => new Error('irregular'), skipped);
}

/**
 * The top-level keys of a file, each a line `key:` at column 0 whose value follows on the next
 * lines, which are indented, comments, or (a list at column 0) start with `- `. Undefined for
 * anything else (a document marker, a key with its value on the same line, a repeated key, a
 * byte order mark).
 */
function topLevelEntries(bytes: Buffer): Entry[] | undefined {
  const entries: Entry[] = [];
  const keys = new Set<string>();
  for (let at = 0; at < bytes.length; at++) {
    const first = bytes[at];
    if (first !== SPACE && first !== NEWLINE && first !== HASH && !(first === DASH && (bytes[at + 1] === SPACE || bytes[at + 1] === NEWLINE))) {
      const lineEnd = bytes.indexOf(NEWLINE, at);
      if (lineEnd < 0 || bytes[lineEnd - 1] !== 0x3a) return undefined;
      const key = bytes.toString('latin1', at, lineEnd - 1);
      if (keys.has(key)) return undefined;
      keys.add(key);
      if (entries.length > 0) entries[entries.length - 1]!.end = at;
      entries.push({ key, start: at, end: bytes.length });
      at = lineEnd;
    } else if (first !== NEWLINE) {
      // Before the first key only comments: anything else there is not one mapping of jobs.
      if (entries.length === 0 && first !== HASH) return undefined;
      at = bytes.indexOf(NEWLINE, at);
      if (at < 0) break;
    }
  }
  return entries.length > 0 ? entries : undefined;
}

/**
 * N of the job's `stage: stage-N` when its body, from `bodyStart` to `end`, is a mapping
 * indented by two with that line once; undefined when it cannot be told without parsing.
 */
function stageOf(bytes: Buffer, bodyStart: number, end: number): number | undefined {
  const first = bytes[bodyStart + 2];
  const mapping = bytes[bodyStart] === SPACE && bytes[bodyStart + 1] === SPACE && first !== undefined && /[A-Za-z0-9_]/.test(String.fromCharCode(first));
  const at = mapping ? bytes.indexOf(STAGE_LINE, bodyStart - 1) : -1;
  if (at < 0 || at >= end) return undefined;
  const digits = at + STAGE_LINE.length;
  const lineEnd = bytes.indexOf(NEWLINE, digits);
  const again = bytes.indexOf(STAGE_LINE, digits);
  if (lineEnd < 0 || lineEnd >= end || (again >= 0 && again < end)) return undefined;
  const stage = bytes.toString('latin1', digits, lineEnd);
  return /^\d+$/.test(stage) ? Number(stage) : undefined;
}

type Fail = (path: string[], problem: string) => Error;

/**
 * The pipeline of a file's top-level entries, in the file's order; `skipped` names build jobs
 * of the file that are not among them. Problems are made by `fail`.
 */
function pipelineOf(file: string, entries: [string, unknown][], fail: Fail, skipped: ReadonlySet<string> = new Set()): SpackPipeline {
  const variables = entries.find(([name]) => name === 'variables');
  const globals = variables === undefined ? {} : variables[1];
  if (!isPlainObject(globals)) throw fail(['variables'], 'must be a mapping of variable names to values');
  const withGlobals = (body: Record<string, unknown>) => foldVariables(body, globals);

  const pipeline: SpackPipeline = { file, buildJobs: [] };
  for (const [name, body] of entries) {
    if (PIPELINE_KEYS.has(name)) continue;
    if (!isPlainObject(body)) throw fail([name], 'not a spack ci generate output: a job must be a mapping');
    if (name === REBUILD_INDEX_JOB) pipeline.rebuildIndex = withGlobals(body);
    else if (name === NOOP_JOB) pipeline.noop = withGlobals(body);
    else pipeline.buildJobs.push(parseBuildJob(fail, file, name, withGlobals(body)));
  }
  const buildJobs = pipeline.buildJobs.length + skipped.size;
  if (buildJobs === 0 && !pipeline.noop) {
    throw fail([], `not a spack ci generate output: no build jobs and no ${NOOP_JOB} job`);
  }
  if (buildJobs > 0 && pipeline.noop) {
    throw fail([NOOP_JOB], 'not a spack ci generate output: build jobs beside the no-op job');
  }
  const names = new Set([...pipeline.buildJobs.map((job) => job.name), ...skipped]);
  for (const job of pipeline.buildJobs) {
    const missing = job.dependencies.find((dependency) => !names.has(dependency));
    if (missing !== undefined) throw fail([job.name, 'needs'], `needs "${missing}", which is not a job of this file`);
  }
  if (skipped.size > 0) pipeline.skippedJobs = skipped.size;
  return pipeline;
}

function parseBuildJob(fail: Fail, file: string, name: string, body: Record<string, unknown>): SpackBuildJob {
  const notSpack = (key: string, problem: string) => fail([name, key], `not a Spack build job: ${problem}`);
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
  return { name, file, stage: Number(stage[1]), dependencies, dagHash, body };
}

/** A copy of `body` whose variables are `globals` overridden by the job's own. */
function foldVariables(body: Record<string, unknown>, globals: Record<string, unknown>): Record<string, unknown> {
  const own = isPlainObject(body.variables) ? body.variables : {};
  const variables = { ...globals, ...own };
  return Object.keys(variables).length === 0 ? body : { ...body, variables };
}
