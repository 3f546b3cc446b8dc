import { rebuildReason } from './generate-log.js';
import type { SpackPipelineResult } from './plan.js';

/**
 * The plan as a person reads it in a CI log: jobs per input and per child, bytes of the budget,
 * the critical path and why each job is rebuilt, inside a collapsed GitLab log section.
 */
export function formatPlanReport(result: SpackPipelineResult, reasons: Map<string, string>, timestamp: number): string {
  const { plan, graph } = result;
  const section = `spack_pipeline_plan_${plan.arch}`;
  const lines: string[] = [];
  const title =
    plan.buildJobs === 0
      ? `Spack pipeline for ${plan.arch}: nothing to rebuild`
      : `Spack pipeline for ${plan.arch}: ${plan.buildJobs} build jobs in ${plan.children.length} child pipelines`;
  lines.push(`\x1b[0Ksection_start:${timestamp}:${section}[collapsed=true]\r\x1b[0K${title}`);
  lines.push('Inputs:');
  for (const input of plan.inputs) {
    lines.push(`  ${input.file}: ${input.nothingToRebuild ? 'nothing to rebuild' : `${input.buildJobs} build jobs`}`);
  }
  if (plan.buildJobs > 0) {
    const { graphJobs, splitJobs, jobs } = plan.criticalPath;
    lines.push(`Critical path: ${graphJobs} jobs in the dependency graph, ${splitJobs} through the child pipelines`);
    for (const name of jobs) lines.push(`  ${name}`);
    lines.push(`Child pipelines (at most ${plan.maxYamlBytes} bytes and ${plan.maxNeeds} needs per job):`);
    for (const child of plan.children) {
      const share = ((100 * child.bytes) / plan.maxYamlBytes).toFixed(1);
      const waits = child.waitsFor.length === 0 ? 'starts at once' : `waits for ${child.waitsFor.join(', ')}`;
      lines.push(`  ${child.file}: ${child.jobs.length} jobs, ${child.bytes} bytes (${share}% of the budget), ${waits}`);
      for (const name of child.jobs) lines.push(`    ${name}: ${rebuildReason(reasons, graph.byName.get(name)!.dagHash)}`);
    }
  }
  lines.push(`\x1b[0Ksection_end:${timestamp}:${section}\r\x1b[0K`);
  return `${lines.join('\n')}\n`;
}
