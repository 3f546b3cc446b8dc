import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { settingsOption, usageError } from '../../options.js';

export class ModulesPublishCommand extends SpacktainersCommand {
  static override paths = [['modules', 'publish']];
  static override usage = SpacktainersCommand.Usage({
    description: "Write a container's Lmod (and Tcl) module file and wrappers, and put them beside its SIF",
    details: `
      Run by the SIF jobs. \`module load <name>/<version>\` then puts on PATH one wrapper per executable
      of the image's view (\`--executables\`, one name a line), each running it inside the SIF with the
      settings' runtime (singularity or apptainer) and binds; a \`.def\` container gets one wrapper named
      after it that runs its runscript (\`--runscript\`). Files go to the SIF bucket at their paths below
      the settings' \`modules.root\` (\`modules/<arch>/lua/<name>/<version>.lua\`, \`wrappers/<arch>/...\`),
      or with \`--output\` to a local folder instead.
    `,
    examples: [
      [
        'Publish the module of numpy 1.26.1',
        '$0 modules publish --arch amd64 --name numpy --version 1.26.1 --sif-key numpy/numpy-1.26.1.sif --executables executables.txt',
      ],
      [
        'Write them locally to look at',
        '$0 modules publish --arch amd64 --name tools --version 24.04 --sif-key tools/tools-24.04.sif --runscript --output out',
      ],
    ],
  });

  arch = Option.String('--arch', { required: true, description: "Architecture: one of the settings'" });
  name = Option.String('--name', { required: true, description: 'Container name' });
  version = Option.String('--version', { required: true, description: 'Module version: the container version' });
  sifKey = Option.String('--sif-key', { required: true, description: 'Key of the SIF in the SIF bucket' });
  executables = Option.String('--executables', { description: 'File listing the executables of the view, one a line' });
  runscript = Option.Boolean('--runscript', false, { description: 'One wrapper named after the container, running its runscript' });
  lockDigest = Option.String('--lock-digest', { description: 'spack.lock digest, recorded in the module and the object metadata' });
  output = Option.String('--output', { description: 'Write to this folder instead of the SIF bucket' });
  settings = settingsOption();

  async run(): Promise<number> {
    const { publishModule } = await import('../../../app/modules-publish.js');
    if (Boolean(this.executables) === this.runscript) throw usageError('give exactly one of --executables FILE and --runscript');
    const { settings, arch, name, version, sifKey, executables, lockDigest, output } = this;
    await publishModule({ settings, arch, name, version, sifKey, executables, lockDigest, output }, this.context.env, this.context);
    return 0;
  }
}
