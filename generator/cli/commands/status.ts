import { Option } from 'clipanion';
import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, generatedOption, offlineOption, settingsOption } from '../options.js';

export class StatusCommand extends SpacktainersCommand {
  static override paths = [['status']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Where is my container? Its tag, and whether the registry, the SIF bucket and Docker Hub have it',
    details: `
      For each definition and architecture: the tag it should have (from its concretized spack.lock in
      \`<generated>/<arch>/spack-outputs/\`), whether the registry has that tag with the same labels,
      whether its SIF is in the SIF bucket with the same metadata, on the default branch whether Docker Hub
      has it, and the pipeline that built the image in the registry. \`current\` means published with
      exactly these contents, \`outdated\` published with other contents, \`missing\` not there.

      \`--package NAME[@VERSION]\` answers which containers ship a package instead (a version prefix
      matches: \`py-numpy@1.26\` finds 1.26.1).

      \`--json\` prints a list for tools: per container and architecture its \`arch\`, \`name\`, \`kind\`,
      \`version\`, \`tag\`, \`image\`, \`imageState\`, \`sifKey\`, \`sifState\`, \`dockerHubState\`,
      \`spackLockDigest\`, \`builtBy\` and \`note\`, every key in every entry, null where it is not known
      (docs/cli.md).
    `,
    examples: [
      ['Everything, as a table', '$0 status'],
      ['One container on arm64, for tools', '$0 status --arch arm64 numpy --json'],
      ['Which containers ship NumPy 1.26?', '$0 status --package py-numpy@1.26'],
    ],
  });

  name = Option.String({ required: false, name: 'name' });
  arch = Option.String('--arch', { description: "Only this architecture (one of the settings')" });
  json = Option.Boolean('--json', false, { description: 'Print JSON for tools instead of a table' });
  packageQuery = Option.String('--package', { description: 'List the containers that ship this package instead (a version prefix matches)' });
  definitions = definitionsOption();
  settings = settingsOption();
  generated = generatedOption();
  offline = offlineOption();

  async run(): Promise<number> {
    const { printStatus } = await import('../../app/status.js');
    const { name, arch, json, packageQuery, definitions, settings, generated, offline } = this;
    return printStatus({ name, arch, json, packageQuery, definitions, settings, generated, offline }, this.context.env, this.context);
  }
}
