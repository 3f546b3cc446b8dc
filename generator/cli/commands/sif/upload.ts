import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { optionValueError, settingsOption } from '../../options.js';

export class SifUploadCommand extends SpacktainersCommand {
  static override paths = [['sif', 'upload']];
  static override usage = SpacktainersCommand.Usage({
    category: 'SIF',
    description: 'Upload a SIF to the SIF bucket with its identity as object metadata',
    details: `
      What the generated SIF jobs run after converting a container. Uploads the file to
      \`s3.sifBucket\` of the settings under \`--key\` (in parts when it is large), with each
      \`--metadata key=value\` as S3 user metadata (\`x-amz-meta-<key>\`). When the object already
      carries the same metadata nothing is uploaded, so a retried job is cheap.

      The bucket is reached as the settings say for \`--arch\` (\`s3\`, \`s3.sif\`,
      \`architectures.<arch>.s3\`; docs/settings.md). S3 credentials are read from the CI
      variables they name; they are never printed.
    `,
    examples: [
      [
        'Upload a converted container',
        '$0 sif upload --file numpy-1.26.1.sif --key numpy/numpy-1.26.1.sif --metadata spack-lock-digest=sha256:... --metadata container-checksum=sha256:...',
      ],
    ],
  });

  settings = settingsOption();
  file = Option.String('--file', { required: true, description: 'The SIF file to upload' });
  key = Option.String('--key', { required: true, description: 'Object key in the SIF bucket' });
  metadata = Option.Array('--metadata', [], { description: 'key=value stored as object metadata (repeatable)' });
  arch = Option.String('--arch', { description: "Architecture whose connection to the bucket to use (default: the settings' first)" });

  async run(): Promise<number> {
    const { uploadSifFromSettings } = await import('../../../app/sif-upload.js');
    const metadata: Record<string, string> = {};
    for (const entry of this.metadata) {
      const match = /^([a-z0-9-]+)=(.+)$/.exec(entry);
      if (!match) throw optionValueError({ option: '--metadata', key: entry }, 'expected key=value with a lowercase key of letters, digits and -');
      metadata[match[1]!] = match[2]!;
    }
    this.context.stdout.write(
      await uploadSifFromSettings({ settings: this.settings, file: this.file, key: this.key, metadata, arch: this.arch }, this.context.env, this.context),
    );
    return 0;
  }
}
