import { writeFile } from 'node:fs/promises';
import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { definitionsOption, settingsOption } from '../../options.js';
import { cleanDeletedBranches } from '../../../gitlab/branch-cleanup.js';
import { projectBranches } from '../../../io/gitlab/branches.js';
import { gitlabProject } from '../../../io/gitlab/client.js';
import { loadProject } from '../../../app/project.js';
import { projectRegistryClient } from '../../../io/registry/lookup.js';
import { registryTagStore } from '../../../io/registry/tag-store.js';
import { ARCHITECTURES } from '../../../settings/settings.js';
import { SifBucket } from '../../../io/s3/sif-bucket.js';
import { compareCodePoints } from '../../../pipeline/order.js';

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
    const env = this.context.env;
    const { settings, definitions, context } = await loadProject(this.definitions, this.settings, env);
    const { registry } = settings;
    const images = new Set([
      ...definitions.definitions.map((d) => d.name),
      ...ARCHITECTURES.flatMap((arch) => Object.values(settings.architectures[arch].baseImages)),
    ]);
    const repositories = [...images].sort(compareCodePoints).map((image) => `${registry.path}/${image}`);
    const branches = await projectBranches(gitlabProject(settings, env));
    const stores = {
      tags: registryTagStore(projectRegistryClient(settings, env, this.registryUrl?.replace(/\/+$/, ''))),
      sifs: SifBucket.fromSettings(settings, env),
    };
    const result = await cleanDeletedBranches(stores, repositories, branches, context.defaultBranch, this.dryRun);
    await writeFile(this.report, `${JSON.stringify(result, null, 2)}\n`);
    const verb = this.dryRun ? 'would delete' : 'deleted';
    for (const t of result.deletedTags) this.context.stdout.write(`${verb} ${t.repository}:${t.tag} (branch ${t.branchSlug})\n`);
    for (const s of result.deletedSifs) this.context.stdout.write(`${verb} s3://${settings.s3.sifBucket}/${s.key} (branch ${s.branchSlug})\n`);
    for (const k of result.keptSharedTags) this.context.stdout.write(`kept ${k.repository}:${k.tag}: same manifest as ${k.sharedWith.join(', ')}\n`);
    this.context.stdout.write(
      `clean-branches: ${verb} ${result.deletedTags.length} tags and ${result.deletedSifs.length} SIF files of deleted branches ` +
        `(${result.branches.existing} branches exist); report in ${this.report}\n`,
    );
    return 0;
  }
}
