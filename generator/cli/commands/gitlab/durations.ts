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
    `,
    examples: [
      ['The build times of the last 10 pipelines of the default branch', '$0 gitlab durations --durations durations.json'],
      ['Of the last 3 pipelines of a branch', '$0 gitlab durations --ref main --pipelines 3 --durations durations.json'],
    ],
  });

  settings = settingsOption();
  durations = Option.String('--durations', 'durations.json', { description: 'The durations file to write' });
  pipelines = Option.String('--pipelines', '10', { description: 'How many of the newest successful pipelines to read' });
  ref = Option.String('--ref', { description: 'Branch whose pipelines to read (default: the default branch)' });

  async run(): Promise<number> {
    const { collectDurations } = await import('../../../app/durations.js');
    const { settings, durations, ref } = this;
    await collectDurations({ settings, durations, pipelines: positiveInteger('--pipelines', this.pipelines), ref }, this.context.env, this.context);
    return 0;
  }
}
