import { stringify } from 'yaml';
import { isPassThroughJob, type Pipeline } from './model.js';

/** Plain-object form of a pipeline, in the key order GitLab users expect to read. */
export function pipelineToObject(pipeline: Pipeline): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (pipeline.workflow) out.workflow = pipeline.workflow;
  if (pipeline.stages) out.stages = pipeline.stages;
  if (pipeline.variables && Object.keys(pipeline.variables).length > 0) out.variables = pipeline.variables;
  for (const [name, job] of pipeline.jobs) out[name] = isPassThroughJob(job) ? job.passThrough : job;
  return out;
}

/**
 * Render a pipeline to YAML text. Deterministic: the same pipeline value always gives the
 * same bytes (insertion order, no timestamps, no line folding, no anchors). Strings are quoted
 * as YAML 1.1 needs, because GitLab reads YAML 1.1: an unquoted `2023-05-30` (a version Spack
 * quoted) would reach it as a date, `on` as a boolean.
 */
export function renderPipeline(pipeline: Pipeline): string {
  const header = (pipeline.header ?? []).map((line) => `# ${line}\n`).join('');
  return header + stringify(pipelineToObject(pipeline), { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}
