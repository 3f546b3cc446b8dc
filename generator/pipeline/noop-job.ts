import type { ScriptJob } from './model.js';
import { quoted, sh, shellCommand } from './shell.js';

/**
 * A job that only says why its pipeline has nothing else to do: GitLab refuses a pipeline
 * without jobs, and a trigger waiting on a downstream pipeline needs one to exist.
 */
export function noopJob(stage: string, image: string, message: string, tags?: string[]): ScriptJob & { stage: string } {
  return { stage, image, ...(tags && { tags }), script: [shellCommand(sh`echo`, quoted(message))] };
}
