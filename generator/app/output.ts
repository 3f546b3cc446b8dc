import { SpacktainersError, throwIfAny } from '../errors.js';
import { checkOutputFolder, writeOutputFolder } from '../io/fs/output.js';
import { DEFAULT_LIMITS, limitViolations, type GitLabLimits, type PipelineFile } from '../pipeline/limits.js';
import { projectInputs, type OutputFile, type OutputFolder } from '../pipeline/output.js';
import { PROJECT_FOLDER } from './project.js';

/**
 * Check a folder a command will write, before anything is computed or looked up: inside the
 * project folder, clear of `inputs` (definitions, settings, sources the command reads) and of
 * the project's own, and empty or one spacktainers wrote.
 */
export async function outputFolder(option: string, value: string, inputs: string[]): Promise<OutputFolder> {
  return checkOutputFolder(option, value, [...inputs, ...projectInputs(PROJECT_FOLDER)], PROJECT_FOLDER);
}

/**
 * Write a whole output folder or nothing: the pipelines are checked against GitLab's limits
 * first, so that a pipeline GitLab would refuse leaves the old output in place.
 */
export async function writeOutput(
  folder: OutputFolder,
  pipelines: PipelineFile[],
  others: OutputFile[] = [],
  limits: GitLabLimits = DEFAULT_LIMITS,
): Promise<void> {
  const violations = pipelines.flatMap((file) => limitViolations(file, limits));
  throwIfAny(violations.map((violation) => new SpacktainersError('limit', violation)));
  await writeOutputFolder(folder, [...pipelines, ...others], PROJECT_FOLDER);
}
