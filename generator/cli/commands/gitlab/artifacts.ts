import { Option } from 'clipanion';
import * as t from 'typanion';
import { SpacktainersCommand } from '../../base-command.js';
import { patternOption, settingsOption } from '../../options.js';

export class ArtifactsCommand extends SpacktainersCommand {
  static override paths = [['gitlab', 'artifacts']];
  static override usage = SpacktainersCommand.Usage({
    category: 'GitLab',
    description: "Download files from the artifacts of another pipeline's job, through its trigger jobs",
    details: `
      Takes the job's artifacts archive (every instance of a \`parallel:\` job) from a pipeline — by default
      the latest successful pipeline of the default branch, or \`--pipeline\` — and writes the files whose
      path matches \`--match\` into \`--output\`, keeping their paths. Each \`--bridge\` names a trigger job to
      follow first, down to the child pipeline holding the job. Fails naming the pipeline and job when
      one is missing, failed, still running, or its archive is gone. 429 and 5xx answers are retried.
    `,
    examples: [
      ["The default branch's amd64 spack.lock files", '$0 gitlab artifacts --job spack-generate:amd64 --match "/spack\\.lock$" --output base'],
      ['A job of a child pipeline of pipeline 1234', '$0 gitlab artifacts --pipeline 1234 --bridge containers --job container-jobs:amd64 --output out'],
    ],
  });

  settings = settingsOption();
  job = Option.String('--job', { required: true, description: 'Job whose artifacts to take (base name of a parallel job)' });
  bridges = Option.Array('--bridge', [], { description: 'Trigger job to follow to its child pipeline first (repeat to go deeper)' });
  pipeline = Option.String('--pipeline', { validator: t.isNumber(), description: 'Pipeline id (default: latest successful on the default branch)' });
  match = Option.String('--match', '', { description: 'Regular expression the file paths must match' });
  output = Option.String('--output', 'artifacts', { description: 'Folder to write the files into' });

  async run(): Promise<number> {
    const { downloadArtifacts } = await import('../../../app/artifacts.js');
    const match = patternOption('--match', this.match);
    const { settings, job, bridges, pipeline, output } = this;
    await downloadArtifacts({ settings, job, bridges, pipeline, match, output }, this.context.env, this.context);
    return 0;
  }
}
