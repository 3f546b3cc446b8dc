import { SpackPipelineCommand } from '../spack-pipeline-command.js';

export class ProcessSpackPipelineCommand extends SpackPipelineCommand {
  static override paths = [['process-spack-pipeline']];
  static override usage = SpackPipelineCommand.Usage({
    description: 'Merge spack ci generate outputs and split them into child pipelines within GitLab limits',
    details: `
      Reads every \`spack ci generate\` output under \`--input\` (one per container), merges them
      so that a spec shared by several containers is built once, and splits the build jobs into
      child pipelines by their dependencies: each child stays under \`--max-yaml-bytes\`, every
      job under \`--max-needs\`, and a child starts as soon as the children holding its jobs'
      dependencies have finished.

      Writes \`spack-pipeline.yml\` (to be triggered as a child of the root pipeline with
      \`PARENT_PIPELINE_ID: $CI_PIPELINE_ID\`), one \`spack-build-NNN.yml\` per child, and
      \`plan.json\`. When every input has nothing to rebuild, \`spack-pipeline.yml\` holds a single
      no-op job. Bad input is reported with its file and job, and nothing is written.

      \`--durations\` gives the build times of earlier pipelines (\`gitlab durations\` writes them): each job
      is estimated by its own earlier time, else its package's median, else a default, for the split, and
      \`plan.json\` keeps the estimates (docs/spack-pipeline.md).
    `,
    examples: [
      [
        'Process the outputs of one architecture, as its CI job does',
        '$0 process-spack-pipeline --input generated/amd64/spack-outputs --output generated/amd64/spack-pipeline --arch amd64',
      ],
      ['Force smaller child pipelines', '$0 process-spack-pipeline --input generated/amd64/spack-outputs --output out --max-yaml-bytes 200000'],
      ['Build for a branch other than the default', '$0 process-spack-pipeline --input generated/amd64/spack-outputs --output out --cache development'],
      [
        'Split by the build times of earlier pipelines',
        '$0 process-spack-pipeline --input generated/amd64/spack-outputs --output out --durations durations.json',
      ],
    ],
  });

  async run(): Promise<number> {
    const { writeSpackPipeline } = await import('../../app/spack-pipeline.js');
    this.context.stdout.write(await writeSpackPipeline(await this.spackPipelineOptions()));
    return 0;
  }
}
