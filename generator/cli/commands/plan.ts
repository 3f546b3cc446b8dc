import { Option } from 'clipanion';
import { SpackPipelineCommand } from '../spack-pipeline-command.js';

export class PlanCommand extends SpackPipelineCommand {
  static override paths = [['plan']];
  static override usage = SpackPipelineCommand.Usage({
    description: 'Explain the Spack build pipeline process-spack-pipeline would write, without writing it',
    details: `
      Runs the same merge and split as \`process-spack-pipeline\` with the same options and prints
      (in a CI job, inside a collapsed GitLab log section): the build jobs of each input, the child pipelines
      with their jobs, bytes used of the budget and the children each waits for, the critical
      path, and why each job is rebuilt. The reasons come from the \`spack ci generate\` logs given
      with \`--log\` (its staging summary), by default every \`generate.log\` under the input folder
      (the generate jobs keep one beside each output); a job without one is "not in build cache".
      With \`--durations\` it also prints each job's estimated time and where it came from (its own
      earlier time, its package's median, or the default), how many jobs have each, and the critical
      path in estimated seconds.

      \`--json\` prints one object instead: the \`plan.json\` \`process-spack-pipeline\` would write
      (\`arch\`, \`maxYamlBytes\`, \`maxNeeds\`, \`inputs\`, \`buildJobs\`, \`children\` with each child's
      \`file\`, \`trigger\`, \`bytes\`, \`jobs\` and \`waitsFor\`, \`criticalPath\`, with \`--durations\` \`estimates\`) and \`reasons\`, each build
      job's name to why it is rebuilt. docs/cli.md describes every field.
    `,
    examples: [
      ['Explain the pipeline of one architecture', '$0 plan --input generated/amd64/spack-outputs --arch amd64'],
      ['With the reasons Spack gave for one container', '$0 plan --input generated/amd64/spack-outputs --log generated/amd64/spack-outputs/numpy/generate.log'],
      ['As JSON, for tools', '$0 plan --input generated/amd64/spack-outputs --json'],
      ['With the build times of earlier pipelines (gitlab durations)', '$0 plan --input generated/amd64/spack-outputs --durations durations.json'],
    ],
  });

  logs = Option.Array('--log', [], { description: 'A spack ci generate log (stdout) holding its staging summary; repeatable' });
  json = Option.Boolean('--json', false, { description: 'Print the plan as JSON for tools (plan.json with the reasons) instead of text' });

  async run(): Promise<number> {
    const { explainSpackPipeline } = await import('../../app/spack-pipeline.js');
    this.context.stdout.write(await explainSpackPipeline(await this.spackPipelineOptions(), this.logs, this.json, this.context.env));
    return 0;
  }
}
