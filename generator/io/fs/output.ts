import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OptionError } from '../../input/errors.js';
import { DEFAULT_LIMITS, limitViolations, type GitLabLimits, type PipelineFile } from '../../pipeline/limits.js';
import type { Pipeline } from '../../pipeline/model.js';
import { renderPipeline } from '../../pipeline/render.js';

export class PipelineLimitError extends Error {
  constructor(readonly violations: string[]) {
    super(`generated pipelines would break GitLab's limits:\n${violations.join('\n')}`);
    this.name = 'PipelineLimitError';
  }
}

/** Files to write besides pipelines (scripts, environments, reports), already as text. */
export interface OutputFile {
  path: string;
  text: string;
  mode?: number;
}

/** A project-relative path inside `outputDir`, as a path relative to `outputDir`. */
export function pathInOutput(outputDir: string, projectPath: string): string {
  const prefix = `${outputDir.replace(/\/+$/, '')}/`;
  if (!projectPath.startsWith(prefix)) throw new Error(`internal: ${projectPath} is not inside ${outputDir}`);
  return projectPath.slice(prefix.length);
}

export function pipelineFile(filePath: string, depth: number, pipeline: Pipeline): PipelineFile {
  return { path: filePath, depth, pipeline, text: renderPipeline(pipeline) };
}

/** In every folder spacktainers writes: the sign that replacing the folder loses nothing of the user's. */
export const OUTPUT_MARKER = '.spacktainers-output';
const MARKER_TEXT = 'Written by spacktainers, which replaces this folder as a whole on every run: keep nothing of your own in it.\n';

/** What a project in `root` holds that no output may replace or lie in. */
export function projectInputs(root: string): string[] {
  return ['container_definitions', 'settings.yaml', 'base-images', 'spacktainer', '.git'].map((entry) => path.join(root, entry));
}

/** An output folder as `outputFolder` checked it. */
export interface OutputFolder {
  /** Relative to the project folder, with `/`: artifact paths in the generated pipelines use it. */
  path: string;
  /** The option that names it, for messages. */
  option: string;
}

/**
 * Check a folder a command will write, before anything is computed or looked up. It must lie in
 * the project folder (the current folder: GitLab finds artifacts relative to it), not be it, not
 * hold or lie in `inputs` (definitions, settings, sources the command reads) or the project's
 * own, and, if it exists, be empty or one spacktainers wrote.
 */
export async function outputFolder(option: string, value: string, inputs: string[]): Promise<OutputFolder> {
  const target = path.resolve(value);
  const relative = path.relative(process.cwd(), target);
  const instead = 'give a folder of its own inside the project, e.g. generated';
  if (relative === '') throw new OptionError(option, `${value} is the project folder itself; ${instead}`);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new OptionError(option, `${value} is outside the project folder (the current folder), where GitLab cannot find artifacts; ${instead}`);
  }
  for (const input of new Set([...inputs, ...projectInputs('.')].map((p) => path.resolve(p)))) {
    const shown = path.relative(process.cwd(), input) || '.';
    if (contains(target, input)) throw new OptionError(option, `${value} would replace ${shown}, which spacktainers reads; ${instead}`);
    if (contains(input, target)) throw new OptionError(option, `${value} is inside ${shown}, which spacktainers reads; ${instead}`);
  }
  const folder = { path: relative.split(path.sep).join('/'), option };
  await assertReplaceable(folder);
  return folder;
}

/** Whether `inner` is `outer` or below it. */
function contains(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Replacing a folder is safe when it is missing, empty, or carries the marker. */
async function assertReplaceable(folder: OutputFolder): Promise<void> {
  const target = path.resolve(folder.path);
  const found = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!found) return;
  if (!found.isDirectory()) throw new OptionError(folder.option, `${folder.path} is a file, not a folder; give a folder of its own, e.g. generated`);
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
    throw new OptionError(
      folder.option,
      `${folder.path} holds files spacktainers did not write (it has no ${OUTPUT_MARKER}) and would be replaced as a whole; remove it or give another folder`,
    );
  }
}

/**
 * Write a whole output folder or nothing: everything is checked first, written to a new hidden
 * sibling folder and swapped into place by renames, so that the folder is at any moment the old
 * output or the new one, and a failure leaves the old one.
 */
export async function writeOutput(
  folder: OutputFolder,
  pipelines: PipelineFile[],
  others: OutputFile[] = [],
  limits: GitLabLimits = DEFAULT_LIMITS,
): Promise<void> {
  const violations = pipelines.flatMap((file) => limitViolations(file, limits));
  if (violations.length > 0) throw new PipelineLimitError(violations);
  const target = path.resolve(folder.path);
  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.new-`));
  const previous = `${staging}.old`;
  try {
    await chmod(staging, 0o755);
    for (const file of [...pipelines, ...others, { path: OUTPUT_MARKER, text: MARKER_TEXT }]) {
      const destination = path.join(staging, file.path);
      await mkdir(path.dirname(destination), { recursive: true });
      await writeFile(destination, file.text, { mode: 'mode' in file ? file.mode : undefined });
    }
    await assertReplaceable(folder);
    const replacing = await rename(target, previous).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    try {
      await rename(staging, target);
    } catch (error) {
      if (replacing) await rename(previous, target);
      throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(previous, { recursive: true, force: true });
  }
}
