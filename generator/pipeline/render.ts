import { DEFAULT_SCHEMA, dump, Type } from 'js-yaml';
import { isExtendingJob, isPassThroughJob, isTriggerJob, type Job, type Pipeline } from './model.js';
import { renderCommand } from './shell.js';
import { SpacktainersError } from '../errors.js';

/** Plain-object form of a pipeline's keys other than its jobs, in the order GitLab users expect to read. */
function settingsToObject(pipeline: Pipeline): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (pipeline.workflow) out.workflow = pipeline.workflow;
  if (pipeline.stages) out.stages = pipeline.stages;
  if (pipeline.variables && Object.keys(pipeline.variables).length > 0) out.variables = pipeline.variables;
  return out;
}

/** A job as GitLab reads it: its commands rendered to script lines, in place. */
function jobToObject(job: Job): unknown {
  if (isPassThroughJob(job)) return job.passThrough;
  if (isTriggerJob(job) || isExtendingJob(job)) return job;
  const { before_script, script } = job;
  return { ...job, ...(before_script && { before_script: before_script.map(renderCommand) }), script: script.map(renderCommand) };
}

/**
 * YAML 1.1 numbers that js-yaml's own schema does not read as numbers (digit groups with `_`,
 * base 60, octal with a bare leading 0). Known to the schema only so that a string spelled
 * like one is quoted; they are never produced.
 */
const YAML_1_1_NUMBER = new Type('tag:yaml.org,2002:yaml-1.1-number', {
  kind: 'scalar',
  resolve: (text: string) =>
    /^[-+]?(?:0b[01_]+|0[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?)$/.test(text),
});
const GITLAB_SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [YAML_1_1_NUMBER] });

/**
 * Render a pipeline to YAML text. Deterministic: the same pipeline value always gives the
 * same bytes (insertion order, no timestamps, no line folding, no anchors). Strings are quoted
 * as YAML 1.1 needs, because GitLab reads YAML 1.1: an unquoted `2023-05-30` (a version Spack
 * quoted) would reach it as a date, `on` as a boolean, `1_000` as a number. js-yaml quotes
 * what its schema (timestamps included) and YAML 1.1's booleans would read as something else;
 * GITLAB_SCHEMA adds the YAML 1.1 numbers it does not know. It renders several times faster
 * than the `yaml` library, which matters for stacks of thousands of jobs.
 */
export function renderPipeline(pipeline: Pipeline, jobTexts: ReadonlyMap<string, string> = new Map()): string {
  const header = (pipeline.header ?? []).map((line) => `# ${line}\n`).join('');
  const settings = settingsToObject(pipeline);
  if (Object.keys(settings).length === 0 && pipeline.jobs.size === 0) return header + yaml(settings);
  // Top-level keys render the same alone as together, so a job rendered before is reused as it is.
  const jobs = [...pipeline.jobs].map(([name, job]) => jobTexts.get(name) ?? renderJob(name, job));
  // One join, so the text is one string from the start: a file of a megabyte built by `+`
  // would be copied again when first read.
  return [header, Object.keys(settings).length > 0 ? yaml(settings) : '', ...jobs].join('');
}

/** One job as it reads in a pipeline file: its name and body. */
export function renderJob(name: string, job: Job): string {
  return yaml({ [name]: jobToObject(job) });
}

/**
 * A job rendered by `renderJob` with only some of its `needs` entries: `kept[i]` for the i-th,
 * or in its place the entry given as text (`renderNeed`). The entries are cut out of the text,
 * so a job is rendered once whatever child it lands in.
 */
export function withNeedsKept(jobText: string, kept: (boolean | string)[]): string {
  if (kept.every((entry) => entry === true)) return jobText;
  const start = jobText.indexOf(NEEDS_KEY) + NEEDS_KEY.length;
  let end = start;
  const starts: number[] = [];
  // Entries are lines indented by four, each entry starting with "- "; the next key has two.
  while (jobText.startsWith('    ', end)) {
    if (jobText.startsWith('    - ', end)) starts.push(end);
    end = jobText.indexOf('\n', end) + 1;
  }
  const entries = starts.map((at, index) => jobText.slice(at, starts[index + 1] ?? end));
  if (entries.length !== kept.length) throw new SpacktainersError('internal', `internal: ${entries.length} needs rendered, ${kept.length} given`);
  const keptText = entries.map((entry, index) => (typeof kept[index] === 'string' ? kept[index] : kept[index] ? entry : '')).join('');
  return jobText.slice(0, start - 1) + (keptText === '' ? ' []\n' : `\n${keptText}`) + jobText.slice(end);
}

/** One `needs` entry as it reads in a job rendered by `renderJob`, for `withNeedsKept`. */
export function renderNeed(need: unknown): string {
  const text = yaml({ job: { needs: [need] } });
  return text.slice(text.indexOf(NEEDS_KEY) + NEEDS_KEY.length);
}
const NEEDS_KEY = '\n  needs:\n';

const DUMP_OPTIONS = { schema: GITLAB_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"', skipInvalid: true } as const;

function yaml(value: unknown): string {
  const parts: string[] = [];
  if (!writeBlock(parts, value, 0, true)) return dump(value, DUMP_OPTIONS);
  parts.push('\n');
  return parts.join('');
}

/**
 * Adds to `parts` what js-yaml's `dump` writes for `value` at `level`, for the values jobs are
 * made of: plain objects, arrays, strings without a line break, integers, booleans and null.
 * False for anything else, which js-yaml then renders as a whole. The layout is js-yaml's
 * (block collections indented by two, `- ` items, `{}` and `[]` when empty); each scalar is
 * js-yaml's own text, remembered, so the quoting rules stay its own. A stack's jobs are tens
 * of megabytes of YAML: this is several times faster than `dump`, and joined once, the text
 * leaves no chain of partial strings behind.
 */
function writeBlock(parts: string[], value: unknown, level: number, compact: boolean): boolean {
  if (typeof value === 'string') {
    const text = scalar(value);
    if (text !== undefined) parts.push(text);
    return text !== undefined;
  }
  if (typeof value === 'boolean') parts.push(value ? 'true' : 'false');
  else if (typeof value === 'number') {
    if (!Number.isInteger(value) || Object.is(value, -0)) return false;
    parts.push(value.toString(10));
  } else if (value === null) parts.push('null');
  else if (Array.isArray(value)) {
    if (value.length === 0) parts.push('[]');
    for (let index = 0; index < value.length; index++) {
      if (!compact || index > 0) parts.push(nextLine(level));
      parts.push('- ');
      if (!writeBlock(parts, value[index], level + 1, true)) return false;
    }
  } else if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) parts.push('{}');
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      const keyText = scalar(key);
      // A key over 1,024 characters is written as an explicit `? ` pair.
      if (keyText === undefined || keyText.length > 1024) return false;
      if (!compact || index > 0) parts.push(nextLine(level));
      const child = value[key];
      // A collection that is not empty starts on the next line.
      const block = Array.isArray(child) ? child.length > 0 : isRecord(child) && Object.keys(child).length > 0;
      parts.push(keyText, block ? ':' : ': ');
      if (!writeBlock(parts, child, level + 1, false)) return false;
    }
  } else return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

const INDENTS: string[] = [];
function nextLine(level: number): string {
  return (INDENTS[level] ??= `\n${'  '.repeat(level)}`);
}

/**
 * Strings as js-yaml writes them, plain or quoted, by the string: without a line break, its
 * style and text depend on nothing else (a line break makes a block scalar indented by level).
 * Most repeat from job to job (keys, images, scripts, versions); bounded, as some never do (hashes).
 */
const scalars = new Map<string, string>();
const MAX_SCALARS = 100_000;

function scalar(value: string): string | undefined {
  let text = scalars.get(value);
  if (text === undefined) {
    if (value.includes('\n')) return undefined;
    text = dump(value, DUMP_OPTIONS).slice(0, -1);
    if (scalars.size >= MAX_SCALARS) scalars.clear();
    scalars.set(value, text);
  }
  return text;
}

/** The bytes of a pipeline's YAML text, what GitLab's YAML and artifact size limits count. */
export function yamlBytes(pipeline: Pipeline): number {
  return Buffer.byteLength(renderPipeline(pipeline));
}
