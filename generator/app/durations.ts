import path from 'node:path';
import { SpacktainersError } from '../errors.js';
import { ifMissing, readTextFile } from '../io/fs/files.js';
import { makeFolder, removePlainFile, writePlainFile } from '../io/fs/plain-files.js';
import { gitlabProject } from '../io/gitlab/client.js';
import { latestRootPipelines, successfulJobRuns } from '../io/gitlab/durations.js';
import { ciContext } from '../pipeline/ci-context.js';
import type { Settings } from '../settings/settings.js';
import { durationsOf, formatDurations, parseDurations } from '../spack/durations.js';
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
  /**
   * When the API cannot be read (no token, refused, unreachable): keep the file of an earlier run
   * instead of failing, so a pipeline without the token still splits by the last known times.
   */
  keepOnFailure: boolean;
}

/**
 * Write the build times of the Spack build jobs of the newest successful pipelines of a branch
 * (in their child pipelines, at any depth); prints a summary. A branch without a successful
 * pipeline yet gives an empty file, for which every job has the default estimate.
 */
export async function collectDurations(options: DurationsOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const settings = await loadSettings(options.settings, environment);
  let summary: string;
  try {
    summary = await collect(settings, options, environment, terminal);
  } catch (error) {
    // Only the API and the CI variables it needs: a wrong option or settings file still fails.
    if (!options.keepOnFailure || !(error instanceof SpacktainersError) || error.kind !== 'service') throw error;
    terminal.stderr.write(`durations: not collected: ${error.message}\n`);
    summary = await keepEarlierFile(options.durations);
  }
  terminal.stdout.write(`durations: ${summary}\n`);
}

async function collect(settings: Settings, options: DurationsOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<string> {
  const ref = options.ref ?? ciContext(settings, environment).defaultBranch;
  const project = gitlabProject(settings, environment, progressSink(terminal));
  const pipelines = await latestRootPipelines(project, ref, options.pipelines);
  const durations = durationsOf(
    await successfulJobRuns(
      project,
      pipelines.map((p) => p.id),
    ),
  );
  await makeFolder(path.dirname(options.durations));
  await writePlainFile(options.durations, formatDurations(durations));
  const read =
    pipelines.length === 0 ? `no successful pipeline of ${ref}` : `${pipelines.length} pipelines of ${ref} (#${pipelines.map((p) => p.id).join(', #')})`;
  return `${durations.jobs.size} build jobs of ${durations.packages.size} packages from ${read}, written to ${options.durations}`;
}

/**
 * What `--keep-on-failure` leaves: the earlier run's file if it is a durations file, else none,
 * so that `--durations` of the next job never fails on what this one left.
 */
async function keepEarlierFile(file: string): Promise<string> {
  const found = await readTextFile(file).catch(ifMissing);
  if (!found) return `no earlier ${file}: the split estimates every build job alike`;
  try {
    const durations = parseDurations(found.file, found.text);
    return `kept ${file} of an earlier run: ${durations.jobs.size} build jobs of ${durations.packages.size} packages`;
  } catch (error) {
    if (!(error instanceof SpacktainersError) || error.kind !== 'input') throw error;
    await removePlainFile(file);
    return `removed the earlier ${file} (${error.message}): the split estimates every build job alike`;
  }
}
