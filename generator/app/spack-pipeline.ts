import { SpacktainersError } from '../errors.js';
import { ifMissing, readTextFile } from '../io/fs/files.js';
import { outputFolder, writeOutput } from './output.js';
import { loadSettings } from './project.js';
import { loadRebuildReasons, loadSpackPipelines } from './spack-files.js';
import { cacheKind, ciContext } from '../pipeline/ci-context.js';
import { DEFAULT_LIMITS, type GitLabLimits } from '../pipeline/limits.js';
import type { OutputFolder } from '../pipeline/output.js';
import { inCi, type Architecture, type CacheKind, type Settings } from '../settings/settings.js';
import { buildSpackPipeline, type SpackPipelineResult } from '../spack/build-pipeline.js';
import type { ChildLinks } from '../spack/split.js';
import { estimateOf, parseDurations, type Durations } from '../spack/durations.js';
import { formatPlanReport, PLAN_FILE, planEstimates, planExplanation } from '../spack/plan-report.js';

/** What the settings say about a Spack pipeline, before the command's options override it. */
export interface SpackPipelineDefaults {
  settings: Settings;
  /** The build cache this branch pushes to when `--cache` does not say. */
  branchCache: CacheKind;
  /** The architecture when `--arch` does not say: the settings' first. */
  primaryArch: Architecture;
}

/** Read the settings file for the defaults of a Spack pipeline. */
export async function spackPipelineDefaults(settingsFile: string, environment: NodeJS.ProcessEnv): Promise<SpackPipelineDefaults> {
  const settings = await loadSettings(settingsFile, environment);
  const context = ciContext(settings, environment);
  return { settings, branchCache: cacheKind(context), primaryArch: context.primaryArch };
}

/** What `process-spack-pipeline` and `plan` are asked, their options parsed. */
export interface SpackPipelineOptions {
  /** Folder of `spack ci generate` outputs. */
  input: string;
  /** Output folder, as the user gave it. */
  output: string;
  settingsFile: string;
  settings: Settings;
  arch: Architecture;
  /** The build cache the jobs push to. */
  cache: CacheKind;
  limits: GitLabLimits;
  /** The build times file (`gitlab durations`) to split and report by; undefined: none. */
  durations: string | undefined;
  /** How a job waits for a spec built in another child; undefined: as the settings allow (build-pipeline.ts). */
  links: ChildLinks | undefined;
}

/**
 * The merged and split Spack build pipelines, and the checked output folder they name (as GitLab
 * sees it: relative to the project). process-spack-pipeline writes them and plan explains them,
 * so that the report always describes what would be written.
 */
async function spackPipeline(options: SpackPipelineOptions): Promise<SpackPipelineResult & { output: OutputFolder }> {
  const { settings, arch, cache, limits, links } = options;
  const output = await outputFolder('--output', options.output, [options.settingsFile, options.input]);
  const inputs = await loadSpackPipelines(options.input);
  const durations = options.durations === undefined ? undefined : await loadDurations(options.durations);
  const estimate = durations && ((name: string) => estimateOf(durations, name).seconds);
  const result = buildSpackPipeline(inputs, { settings, arch, cache, outputPath: output.path, limits, links, ...(estimate && { estimate }) });
  if (!durations) return { ...result, output };
  return { ...result, plan: { ...result.plan, estimates: planEstimates(result.graph, result.split, result.waits, durations) }, output };
}

async function loadDurations(file: string): Promise<Durations> {
  const found = await readTextFile(file).catch(ifMissing);
  if (!found) throw SpacktainersError.input({ option: '--durations' }, `${file}: no such file (gitlab durations writes it)`);
  return parseDurations(found.file, found.text);
}

/** Write the Spack build pipelines and their plan.json; returns the line saying what was written. */
export async function writeSpackPipeline(options: SpackPipelineOptions): Promise<string> {
  const { pipelines, plan, output } = await spackPipeline(options);
  const limits = { ...DEFAULT_LIMITS, maxYamlBytes: plan.maxYamlBytes, maxNeeds: plan.maxNeeds };
  await writeOutput(output, pipelines, [{ path: PLAN_FILE, text: `${JSON.stringify(plan, null, 2)}\n` }], limits);
  return `${plan.buildJobs} build jobs in ${plan.children.length} child pipelines written to ${output.path}\n`;
}

/**
 * The report explaining the Spack build pipelines, with why each job is rebuilt as the given
 * `spack ci generate` logs say (by default every generate.log under the input folder): text, in a
 * collapsed log section when in CI, or with `json` the PlanExplanation.
 */
export async function explainSpackPipeline(options: SpackPipelineOptions, logs: string[], json: boolean, environment: NodeJS.ProcessEnv): Promise<string> {
  const result = await spackPipeline(options);
  const reasons = await loadRebuildReasons(logs, options.input);
  if (json) return `${JSON.stringify(planExplanation(result, reasons), null, 2)}\n`;
  return formatPlanReport(result, reasons, inCi(environment) ? { timestamp: Math.floor(Date.now() / 1000) } : undefined);
}
