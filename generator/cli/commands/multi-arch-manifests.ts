import { Option } from 'clipanion';
import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, generatedOption, settingsOption } from '../options.js';

export class MultiArchManifestsCommand extends SpacktainersCommand {
  static override paths = [['multi-arch-manifests']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Join the amd64 and arm64 images of a container under its plain tag',
    details: `
      Runs after both architectures' containers are published. For every container defined for both
      architectures whose environments concretized the same version, the plain tag (\`1.26.1\`, the amd64
      image) becomes an OCI index of it and \`1.26.1-arm64\`, so a pull picks the right image. An index
      that already lists the same images is left alone; a container missing on one architecture is
      left as it is. Versions come from \`<generated>/<arch>/spack-outputs/<name>/spack.lock\`.
    `,
    examples: [
      ['Join what both architectures published', '$0 multi-arch-manifests'],
      ['Show what would be joined', '$0 multi-arch-manifests --dry-run'],
    ],
  });

  definitions = definitionsOption();
  settings = settingsOption();
  generated = generatedOption();
  dryRun = Option.Boolean('--dry-run', false, { description: 'Print what would be joined; change nothing' });

  async run(): Promise<number> {
    const { joinMultiArchImages } = await import('../../app/multi-arch.js');
    const options = { definitions: this.definitions, settings: this.settings, generated: this.generated, dryRun: this.dryRun };
    await joinMultiArchImages(options, this.context.env, this.context);
    return 0;
  }
}
