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
  return header + (Object.keys(settings).length > 0 ? yaml(settings) : '') + jobs.join('');
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

function yaml(value: unknown): string {
  return dump(value, { schema: GITLAB_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"', skipInvalid: true });
}

/** The bytes of a pipeline's YAML text, what GitLab's YAML and artifact size limits count. */
export function yamlBytes(pipeline: Pipeline): number {
  return Buffer.byteLength(renderPipeline(pipeline));
}
