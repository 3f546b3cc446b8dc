import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { positiveInteger, settingsOption } from '../../options.js';

export class DurationsCommand extends SpacktainersCommand {
  static override paths = [['gitlab', 'durations']];
  static override usage = SpacktainersCommand.Usage({
    category: 'GitLab',
    description: 'Collect the build times of the Spack build jobs of recent pipelines, for --durations',
    details: `
      Reads the newest \`--pipelines\` successful pipelines of \`--ref\` (child pipelines, which GitLab lists with
      their parent's ref, are not counted) and every pipeline their trigger jobs started, at any depth, and
      writes the time of each successful Spack build job (a job named by its spec, \`name@version /hash ...\`)
      to \`--durations\`: \`{"jobs": {"<job name>": seconds}, "packages": {"<package>": median seconds}}\`,
      keys sorted. A job run several times keeps its latest run's time. A branch without a successful
      pipeline gives an empty file. \`process-spack-pipeline --durations\` and \`plan --durations\` read it.
      429 and 5xx answers are retried.

      With \`--keep-on-failure\`, when the API cannot be read (the token's CI variable is not set, as in a
      merge request from a fork; the API refuses or does not answer), it says why and keeps the file an
      earlier run left at \`--durations\` (a CI cache restores it), removing it if it is not a durations file,
      and exits 0: the root pipeline's \`spack-durations\` jobs run it so.
    `,
    examples: [
      ['The build times of the last 10 pipelines of the default branch', '$0 gitlab durations --durations durations.json'],
      ['Of the last 3 pipelines of a branch', '$0 gitlab durations --ref main --pipelines 3 --durations durations.json'],
      ['In CI, keeping the cached file when the API cannot be read', '$0 gitlab durations --keep-on-failure --durations spack-durations/amd64.json'],
    ],
  });

  settings = settingsOption();
  durations = Option.String('--durations', 'durations.json', { description: 'The durations file to write' });
  pipelines = Option.String('--pipelines', '10', { description: 'How many of the newest successful pipelines to read' });
  ref = Option.String('--ref', { description: 'Branch whose pipelines to read (default: the default branch)' });
  keepOnFailure = Option.Boolean('--keep-on-failure', false, {
    description: 'When the GitLab API cannot be read, say why, keep the earlier --durations file and exit 0',
  });

  async run(): Promise<number> {
    const { collectDurations } = await import('../../../app/durations.js');
    const { settings, durations, ref, keepOnFailure } = this;
    const pipelines = positiveInteger('--pipelines', this.pipelines);
    await collectDurations({ settings, durations, pipelines, ref, keepOnFailure }, this.context.env, this.context);
    return 0;
  }
}
