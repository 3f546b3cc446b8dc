import path from 'node:path';
import type { PipelineFile } from './limits.js';
import type { Pipeline } from './model.js';
import { renderPipeline } from './render.js';
import { SpacktainersError } from '../errors.js';

/** Files to write besides pipelines (scripts, environments, reports), already as text. */
export interface OutputFile {
  path: string;
  /** Bytes for a file copied as it is (a base image's build files). */
  text: string | Uint8Array;
  mode?: number;
}

/** A project-relative path inside `outputDir`, as a path relative to `outputDir`. */
export function pathInOutput(outputDir: string, projectPath: string): string {
  const prefix = `${outputDir.replace(/\/+$/, '')}/`;
  if (!projectPath.startsWith(prefix)) throw new SpacktainersError('internal', `internal: ${projectPath} is not inside ${outputDir}`);
  return projectPath.slice(prefix.length);
}

/** A pipeline file; `jobTexts` holds jobs already rendered (`renderJob`), used as they are. */
export function pipelineFile(filePath: string, depth: number, pipeline: Pipeline, jobTexts?: ReadonlyMap<string, string>): PipelineFile {
  return { path: filePath, depth, pipeline, text: renderPipeline(pipeline, jobTexts) };
}

/** What a project in `root` holds that no output may replace or lie in. */
export function projectInputs(root: string): string[] {
  return ['container_definitions', 'settings.yaml', 'base-images', 'spacktainer', '.git'].map((entry) => path.join(root, entry));
}

/** An output folder as `checkOutputFolder` (io/fs/output.ts) checked it. */
export interface OutputFolder {
  /** Relative to the project folder, with `/`: artifact paths in the generated pipelines use it. */
  path: string;
  /** The option that names it, for messages. */
  option: string;
}
