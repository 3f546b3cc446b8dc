import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { generatedOption, settingsOption } from '../../options.js';

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
    const { mergeRequestNote } = await import('../../../app/merge-request-note.js');
    this.context.stdout.write(
      await mergeRequestNote({ settings: this.settings, generated: this.generated, dryRun: this.dryRun }, this.context.env, this.context),
    );
    return 0;
  }
}
