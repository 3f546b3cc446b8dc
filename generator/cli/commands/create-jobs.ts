import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, generatedOption, settingsOption } from '../options.js';
import { readBaseImageInputs } from '../../containers/read-base-images.js';
import { createJobs, MAIN_PIPELINE } from '../../jobs/create-jobs.js';
import { loadProject } from '../../jobs/project.js';
import { writeOutput } from '../../pipeline/write.js';

export class CreateJobsCommand extends SpacktainersCommand {
  static override paths = [['create-jobs']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Write the pipelines and Spack environments the root pipeline runs',
    details: `
      Reads the container definitions and settings and writes, into the output folder:
      \`${MAIN_PIPELINE}\` (the child pipeline publishing the containers), \`base-images.yml\`
      (the child pipeline building the base images), and per architecture the Spack environments
      and the script of the sharded generate jobs. Nothing is written when any input is invalid
      or a pipeline would break one of GitLab's limits.
    `,
    examples: [
      ['Generate into generated/', '$0 create-jobs'],
      ['Generate from another definitions folder', '$0 create-jobs --definitions path/to/container_definitions --output out'],
    ],
  });

  definitions = definitionsOption();
  settings = settingsOption();
  output = generatedOption('--output');

  async run(): Promise<number> {
    const project = await loadProject(this.definitions, this.settings);
    const result = createJobs({
      ...project,
      baseImages: await readBaseImageInputs(project.root),
      outputDir: this.output,
    });
    await writeOutput(this.output, result.pipelines, result.files);
    const counts = result.arches.map((arch) => `${arch}: ${project.definitions.definitions.filter((d) => d.arch === arch).length}`);
    this.context.stdout.write(
      `create-jobs: ${project.definitions.definitions.length} containers (${counts.join(', ') || 'none'}), ` +
        `${result.pipelines.length} pipelines and ${result.files.length} files written to ${this.output}/\n`,
    );
    return 0;
  }
}
