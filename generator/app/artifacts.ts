import path from 'node:path';
import { SpacktainersError } from '../errors.js';
import { loadSettings } from './project.js';
import { makeFolder, writePlainFile } from '../io/fs/plain-files.js';
import { artifactFiles, latestSuccessfulPipeline, pipelineRef } from '../io/gitlab/artifacts.js';
import { gitlabProject } from '../io/gitlab/client.js';
import { progressSink, type Terminal } from './terminal.js';

/** What `gitlab artifacts` is asked. */
export interface ArtifactsOptions {
  settings: string;
  /** The job whose artifacts to take (base name of a parallel job). */
  job: string;
  /** Trigger jobs to follow down to the child pipeline holding the job. */
  bridges: string[];
  /** Pipeline id; undefined: the latest successful one of the default branch. */
  pipeline: number | undefined;
  /** What the file paths must match. */
  match: RegExp;
  /** Folder to write the files into. */
  output: string;
}

/**
 * Write the files of a job's artifacts that match into the output folder, keeping their paths (an
 * entry leading outside it is refused); prints each file and a summary.
 */
export async function downloadArtifacts(options: ArtifactsOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const settings = await loadSettings(options.settings, environment);
  const project = gitlabProject(settings, environment, progressSink(terminal));
  const pipeline =
    options.pipeline === undefined
      ? await latestSuccessfulPipeline(project, environment.CI_DEFAULT_BRANCH || settings.defaultBranch)
      : await pipelineRef(project, options.pipeline);
  const files = await artifactFiles(project, pipeline.id, { bridges: options.bridges, job: options.job }, (file) => options.match.test(file));
  const root = path.resolve(options.output);
  for (const file of files) {
    const target = path.resolve(root, file.path);
    if (!target.startsWith(`${root}${path.sep}`))
      throw new SpacktainersError('service', `job "${file.job}" (#${file.jobId}): archive entry ${file.path} points outside the output folder`);
    await makeFolder(path.dirname(target));
    await writePlainFile(target, file.content);
    terminal.stdout.write(`${file.path}  (job "${file.job}" #${file.jobId}, pipeline #${file.pipelineId})\n`);
  }
  terminal.stdout.write(`artifacts: ${files.length} files from pipeline #${pipeline.id} written to ${options.output}/\n`);
}
