import { DEFAULT_SCHEMA, dump, Type } from 'js-yaml';
import { isPassThroughJob, isTriggerJob, type Job, type Pipeline } from './model.js';
import { renderCommand } from './shell.js';

/** Plain-object form of a pipeline, in the key order GitLab users expect to read. */
function pipelineToObject(pipeline: Pipeline): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (pipeline.workflow) out.workflow = pipeline.workflow;
  if (pipeline.stages) out.stages = pipeline.stages;
  if (pipeline.variables && Object.keys(pipeline.variables).length > 0) out.variables = pipeline.variables;
  for (const [name, job] of pipeline.jobs) out[name] = jobToObject(job);
  return out;
}

/** A job as GitLab reads it: its commands rendered to script lines, in place. */
function jobToObject(job: Job): unknown {
  if (isPassThroughJob(job)) return job.passThrough;
  if (isTriggerJob(job)) return job;
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
export function renderPipeline(pipeline: Pipeline): string {
  const header = (pipeline.header ?? []).map((line) => `# ${line}\n`).join('');
  return header + dump(pipelineToObject(pipeline), { schema: GITLAB_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"', skipInvalid: true });
}

/** The bytes of a pipeline's YAML text, what GitLab's YAML and artifact size limits count. */
export function yamlBytes(pipeline: Pipeline): number {
  return Buffer.byteLength(renderPipeline(pipeline));
}
