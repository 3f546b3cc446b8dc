import { containerChanges, NOTE_MARKER, renderMergeRequestNote } from '../gitlab/merge-request-note.js';
import { SpacktainersError } from '../errors.js';
import { loadSettings } from './project.js';
import { loadSpackOutputs } from './spack-files.js';
import { gitlabProject } from '../io/gitlab/client.js';
import { upsertMergeRequestNote } from '../io/gitlab/notes.js';
import { ciContext } from '../pipeline/ci-context.js';
import { architectureNames } from '../settings/settings.js';
import { defaultBranchLocks } from './default-branch-locks.js';
import { progressSink, type Terminal } from './terminal.js';

/** What `gitlab merge-request-note` is asked. */
export interface MergeRequestNoteOptions {
  settings: string;
  generated: string;
  /** Return the note instead of posting it. */
  dryRun: boolean;
}

/**
 * The note telling a merge request what it changes in each container, compared with the default
 * branch's newest locks; posted on the merge request (or updated in place). Returns what to
 * print: the note itself on a dry run, else the line saying where it went. The API's retries go to
 * the terminal's stderr.
 */
export async function mergeRequestNote(options: MergeRequestNoteOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<string> {
  const settings = await loadSettings(options.settings, environment);
  const context = ciContext(settings, environment);
  const project = gitlabProject(settings, environment, progressSink(terminal));
  const arches = architectureNames(settings);
  const bases = await defaultBranchLocks(project, context.defaultBranch, arches, options.generated);
  const changes = [];
  for (const arch of arches) {
    const base = bases.get(arch)!;
    changes.push(...containerChanges(arch, await loadSpackOutputs(options.generated, arch), 'locks' in base ? base.locks : undefined));
  }
  const body = renderMergeRequestNote(changes, {
    defaultBranch: context.defaultBranch,
    compared: bases,
    pipelineUrl: environment.CI_PIPELINE_URL ?? `${context.projectUrl}/-/pipelines`,
    commitSha: context.commitSha,
  });
  if (options.dryRun) return body;
  const iid = Number(environment.CI_MERGE_REQUEST_IID);
  if (!Number.isInteger(iid) || iid <= 0)
    throw new SpacktainersError('service', 'CI_MERGE_REQUEST_IID is not set: run this in a merge-request pipeline, or use --dry-run');
  const result = await upsertMergeRequestNote(project, iid, NOTE_MARKER, body);
  const compared = [...bases].map(([arch, base]) => `${arch}: ${'pipeline' in base ? `pipeline #${base.pipeline.id}` : 'not compared'}`);
  return `merge-request-note: note ${result.noteId} ${result.action} on !${iid} (${changes.length} containers; ${compared.join(', ')})\n`;
}
