import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { definitionsOption, settingsOption } from '../../options.js';

export class CleanBranchesCommand extends SpacktainersCommand {
  static override paths = [['gitlab', 'clean-branches']];
  static override usage = SpacktainersCommand.Usage({
    category: 'GitLab',
    description: 'Delete the containers of branches that no longer exist',
    details: `
      Lists the project's branches and protected-branch rules, then removes, in the registry, the tags
      \`<version>__<branch slug>\` (and \`...-arm64\`) of every container and base image repository, and in the
      settings' SIF bucket the \`.sif\` files named the same way, whose branch no longer exists. Nothing
      of the default branch (tags without \`__\`), of an existing branch or of a branch a protection rule
      matches is touched, nor a manifest that a kept tag also points to.

      Writes a JSON report (\`--report\`) of what was (or, with \`--dry-run\`, would be) deleted. Registry
      credentials come from the CI variables named by \`registry.userVariable\`/\`passwordVariable\`, S3
      ones from \`s3.accessKeyVariable\`/\`secretKeyVariable\`, the GitLab token from \`gitlab.tokenVariable\`.
    `,
    examples: [
      ['See what would be deleted', '$0 gitlab clean-branches --dry-run'],
      ['Delete, keeping the report as an artifact', '$0 gitlab clean-branches --report clean-branches.json'],
    ],
  });

  definitions = definitionsOption();
  settings = settingsOption();
  dryRun = Option.Boolean('--dry-run', false, { description: 'Report what would be deleted, delete nothing' });
  report = Option.String('--report', 'clean-branches.json', { description: 'Where to write the JSON report' });
  registryUrl = Option.String('--registry-url', {
    description: 'Registry API base URL (default: https://<registry.host>, http:// for a loopback host)',
  });

  async run(): Promise<number> {
    const { cleanBranches } = await import('../../../app/clean-branches.js');
    const { definitions, settings, dryRun, report, registryUrl } = this;
    await cleanBranches({ definitions, settings, dryRun, report, registryUrl }, this.context.env, this.context);
    return 0;
  }
}
