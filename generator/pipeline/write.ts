import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_LIMITS, limitViolations, type GitLabLimits, type PipelineFile } from './limits.js';
import type { Pipeline } from './model.js';
import { renderPipeline } from './render.js';

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

/**
 * Write a whole output folder or nothing: everything is checked first, written to a sibling
 * temporary folder and moved into place, so a failure never leaves partial output behind.
 */
export async function writeOutput(
  outputDir: string,
  pipelines: PipelineFile[],
  others: OutputFile[] = [],
  limits: GitLabLimits = DEFAULT_LIMITS,
): Promise<void> {
  const violations = pipelines.flatMap((file) => limitViolations(file, limits));
  if (violations.length > 0) throw new PipelineLimitError(violations);
  const target = path.resolve(outputDir);
  const staging = `${target}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    for (const file of [...pipelines, ...others]) {
      const destination = path.join(staging, file.path);
      await mkdir(path.dirname(destination), { recursive: true });
      await writeFile(destination, file.text, { mode: 'mode' in file ? file.mode : undefined });
    }
    await rm(target, { recursive: true, force: true });
    await mkdir(path.dirname(target), { recursive: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
