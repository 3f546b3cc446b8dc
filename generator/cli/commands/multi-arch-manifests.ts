import { Option } from 'clipanion';
import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, generatedOption, settingsOption } from '../options.js';
import { multiArchImages } from '../../app/multi-arch.js';
import { loadProject } from '../../app/project.js';
import { projectRegistryClient } from '../../io/registry/lookup.js';
import { joinArchitectures } from '../../io/registry/multi-arch.js';
import { ARCHITECTURES } from '../../settings/settings.js';
import { loadLockedEnvironments } from '../../app/spack-files.js';

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
    const project = await loadProject(this.definitions, this.settings, this.context.env);
    const locks = new Map(
      await Promise.all(ARCHITECTURES.map(async (arch) => [arch, await loadLockedEnvironments(project.definitions, arch, this.generated)] as const)),
    );
    const images = multiArchImages(project.settings, project.context, project.definitions, locks);
    const client = projectRegistryClient(project.settings, this.context.env);
    for (const image of images) {
      const parts = image.images.map((i) => `${i.arch}=${i.tag}`).join(', ');
      const outcome = this.dryRun ? 'would join' : await joinArchitectures(client, image.repository, image.tag, image.images);
      this.context.stdout.write(`${project.settings.registry.host}/${image.repository}:${image.tag} (${parts}): ${outcome}\n`);
    }
    if (images.length === 0) this.context.stdout.write('no container is built for several architectures at one version\n');
    return 0;
  }
}
