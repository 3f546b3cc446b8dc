import { Option } from 'clipanion';
import { SpackPipelineCommand } from '../spack-pipeline-command.js';

export class PlanCommand extends SpackPipelineCommand {
  static override paths = [['plan']];
  static override usage = SpackPipelineCommand.Usage({
    description: 'Explain the Spack build pipeline process-spack-pipeline would write, without writing it',
    details: `
      Runs the same merge and split as \`process-spack-pipeline\` with the same options and prints,
      inside a collapsed GitLab CI log section: the build jobs of each input, the child pipelines
      with their jobs, bytes used of the budget and the children each waits for, the critical
      path, and why each job is rebuilt. The reasons come from the \`spack ci generate\` logs given
      with \`--log\` (its staging summary), by default every \`generate.log\` under the input folder
      (the generate jobs keep one beside each output); a job without one is "not in build cache".
    `,
    examples: [
      ['Explain the pipeline of one architecture', '$0 plan --input generated/amd64/spack-pipelines --arch amd64'],
      [
        'With the reasons Spack gave',
        '$0 plan --input generated/amd64/spack-pipelines --log generated/amd64/logs/small.log --log generated/amd64/logs/mpi.log',
      ],
    ],
  });

  logs = Option.Array('--log', [], { description: 'A spack ci generate log (stdout) holding its staging summary; repeatable' });

  async run(): Promise<number> {
    const { explainSpackPipeline } = await import('../../app/spack-pipeline.js');
    this.context.stdout.write(await explainSpackPipeline(await this.spackPipelineOptions(), this.logs));
    return 0;
  }
}
