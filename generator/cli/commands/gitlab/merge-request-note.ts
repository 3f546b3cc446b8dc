import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { generatedOption, settingsOption } from '../../options.js';
import { ciContext } from '../../../pipeline/ci-context.js';
import { gitlabProject } from '../../../io/gitlab/client.js';
import { defaultBranchLocks } from '../../../app/default-branch-locks.js';
import { SpacktainersError } from '../../../errors.js';
import { containerChanges, NOTE_MARKER, renderMergeRequestNote } from '../../../gitlab/merge-request-note.js';
import { upsertMergeRequestNote } from '../../../io/gitlab/notes.js';
import { loadSettings } from '../../../app/project.js';
import { ARCHITECTURES } from '../../../settings/settings.js';
import { loadSpackOutputs } from '../../../app/spack-files.js';

export class MergeRequestNoteCommand extends SpacktainersCommand {
  static override paths = [['gitlab', 'merge-request-note']];
  static override usage = SpacktainersCommand.Usage({
    category: 'GitLab',
    description: "Tell a merge request what it changes in each container's packages and builds",
    details: `
      Compares this pipeline's \`spack.lock\` files (\`<generated>/<arch>/spack-outputs/<name>/\`, written by
      the \`spack-generate:<arch>\` jobs) with those of the newest successful pipeline of the default branch
      that ran \`spack-generate:<arch>\` (among its latest 20), fetched from those jobs' artifacts. Where there is
      none, or its artifacts expired, the note says so for that architecture instead of comparing. Per container and architecture it lists the
      packages added, removed or at another version, whether the container is rebuilt and why, and how
      many specs are built from source (jobs in \`pipeline.yml\`) versus taken from the build cache.

      The note is posted once on the merge request (\`CI_MERGE_REQUEST_IID\`) and updated in place on
      later pipelines: it carries a hidden marker. Needs \`CI_API_V4_URL\`, \`CI_PROJECT_ID\` and the token
      variable named by \`gitlab.tokenVariable\` in the settings. \`--dry-run\` prints the note instead.
    `,
    examples: [
      ['Post or update the note (in a merge-request pipeline)', '$0 gitlab merge-request-note'],
      ['Print the note without posting it', '$0 gitlab merge-request-note --dry-run'],
    ],
  });

  settings = settingsOption();
  generated = generatedOption();
  dryRun = Option.Boolean('--dry-run', false, { description: 'Print the note instead of posting it' });

  async run(): Promise<number> {
    const env = this.context.env;
    const settings = await loadSettings(this.settings, env);
    const context = ciContext(settings, env);
    const project = gitlabProject(settings, env);
    const bases = await defaultBranchLocks(project, context.defaultBranch, ARCHITECTURES, this.generated);
    const changes = [];
    for (const arch of ARCHITECTURES) {
      const base = bases.get(arch)!;
      changes.push(...containerChanges(arch, await loadSpackOutputs(this.generated, arch), 'locks' in base ? base.locks : undefined));
    }
    const body = renderMergeRequestNote(changes, {
      defaultBranch: context.defaultBranch,
      compared: bases,
      pipelineUrl: env.CI_PIPELINE_URL ?? `${context.projectUrl}/-/pipelines`,
      commitSha: context.commitSha,
    });
    if (this.dryRun) {
      this.context.stdout.write(body);
      return 0;
    }
    const iid = Number(env.CI_MERGE_REQUEST_IID);
    if (!Number.isInteger(iid) || iid <= 0)
      throw new SpacktainersError('service', 'CI_MERGE_REQUEST_IID is not set: run this in a merge-request pipeline, or use --dry-run');
    const result = await upsertMergeRequestNote(project, iid, NOTE_MARKER, body);
    const compared = [...bases].map(([arch, base]) => `${arch}: ${'pipeline' in base ? `pipeline #${base.pipeline.id}` : 'not compared'}`);
    this.context.stdout.write(`merge-request-note: note ${result.noteId} ${result.action} on !${iid} (${changes.length} containers; ${compared.join(', ')})\n`);
    return 0;
  }
}
