import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersCommand } from '../base-command.js';
import { archOption, definitionsOption, generatedOption, settingsOption } from '../options.js';
import { containerJobs, publishDir, PUBLISH_PIPELINE } from '../../jobs/container-jobs.js';
import { loadProject } from '../../jobs/project.js';
import { writeOutput } from '../../pipeline/write.js';
import { readLocks } from '../../spack/read-locks.js';

export class ContainerJobsCommand extends SpacktainersCommand {
  static override paths = [['container-jobs']];
  static override usage = SpacktainersCommand.Usage({
    description: "Write one architecture's container publishing pipeline from the concretized environments",
    details: `
      Runs in the container-publishing child pipeline after the generate jobs. Reads each Spack
      container's spack.lock from \`<generated>/<arch>/spack-outputs/<name>/\` (the version of its first
      spec names the image tag), and writes \`<generated>/<arch>/containers/${PUBLISH_PIPELINE}\` with the
      Dockerfiles beside it.
    `,
    examples: [['Plan the amd64 containers', '$0 container-jobs --arch amd64']],
  });

  arch = archOption();
  definitions = definitionsOption();
  settings = settingsOption();
  generated = generatedOption();

  async run(): Promise<number> {
    const project = await loadProject(this.definitions, this.settings);
    const result = containerJobs({
      ...project,
      arch: this.arch,
      locks: await readLocks(project.definitions, this.arch, this.generated),
      dockerfileTemplate: await readFile(path.join(project.root, 'spacktainer', 'Dockerfile'), 'utf8'),
      generatedRoot: this.generated,
      writerJob: process.env.CI_JOB_NAME ?? `container-jobs:${this.arch}`,
    });
    const output = publishDir(this.generated, this.arch);
    await writeOutput(output, result.pipelines, result.files);
    for (const container of result.containers) {
      this.context.stdout.write(`${container.definition.arch}/${container.definition.name}: ${container.image}\n`);
    }
    this.context.stdout.write(`container-jobs: ${result.containers.length} containers written to ${output}/${PUBLISH_PIPELINE}\n`);
    return 0;
  }
}
