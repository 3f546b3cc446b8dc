import { writePlainFile } from '../io/fs/plain-files.js';
import { gitlabProject } from '../io/gitlab/client.js';
import { latestRootPipelines, successfulJobRuns } from '../io/gitlab/durations.js';
import { ciContext } from '../pipeline/ci-context.js';
import { durationsOf, formatDurations } from '../spack/durations.js';
import { loadSettings } from './project.js';
import { progressSink, type Terminal } from './terminal.js';

/** What `gitlab durations` is asked. */
export interface DurationsOptions {
  settings: string;
  /** The durations file to write. */
  durations: string;
  /** How many of the newest successful root pipelines to read. */
  pipelines: number;
  /** Whose pipelines; undefined: the default branch. */
  ref: string | undefined;
}

/**
 * Write the build times of the Spack build jobs of the newest successful pipelines of a branch
 * (in their child pipelines, at any depth); prints a summary. A branch without a successful
 * pipeline yet gives an empty file, for which every job has the default estimate.
 */
export async function collectDurations(options: DurationsOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const settings = await loadSettings(options.settings, environment);
  const ref = options.ref ?? ciContext(settings, environment).defaultBranch;
  const project = gitlabProject(settings, environment, progressSink(terminal));
  const pipelines = await latestRootPipelines(project, ref, options.pipelines);
  const durations = durationsOf(
    await successfulJobRuns(
      project,
      pipelines.map((p) => p.id),
    ),
  );
  await writePlainFile(options.durations, formatDurations(durations));
  const read =
    pipelines.length === 0 ? `no successful pipeline of ${ref}` : `${pipelines.length} pipelines of ${ref} (#${pipelines.map((p) => p.id).join(', #')})`;
  terminal.stdout.write(`durations: ${durations.jobs.size} build jobs of ${durations.packages.size} packages from ${read}, written to ${options.durations}\n`);
}
