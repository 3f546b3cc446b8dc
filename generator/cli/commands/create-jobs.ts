import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, generatedOption, limitsWithYamlBytes, maxYamlBytesOption, offlineOption, settingsOption } from '../options.js';
import { BASE_IMAGES_PIPELINE, MAIN_PIPELINE } from '../../app/file-names.js';

export class CreateJobsCommand extends SpacktainersCommand {
  static override paths = [['create-jobs']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Write the pipelines and Spack environments the root pipeline runs',
    details: `
      Reads the container definitions and settings and writes, into the output folder:
      \`${MAIN_PIPELINE}\` (the child pipeline publishing the containers), \`${BASE_IMAGES_PIPELINE}\`
      (the child pipeline building the base images), and per architecture the Spack environments
      and the script of the sharded generate jobs. Nothing is written when any input is invalid
      or a pipeline would break one of GitLab's limits.

      Base images are built only when the registry does not already hold them with the same input
      checksum label (their files, the Spack commit and the buildah image). Off the default branch,
      an image the default branch already built with that checksum is re-tagged for this branch in
      the registry (same digest) instead of being rebuilt. Registry credentials come from the CI
      variables named in the settings. \`--offline\` asks no registry and emits every build.

      Each architecture's containers are divided into as many publishing pipelines as GitLab's
      limits need (\`--max-yaml-bytes\` per file, passed on to container-jobs), each run by its own
      trigger job of \`${MAIN_PIPELINE}\`.
    `,
    examples: [
      ['Generate into generated/', '$0 create-jobs'],
      ['Generate into another folder', '$0 create-jobs --output out'],
      ['Generate without network, building every base image', '$0 create-jobs --offline'],
    ],
  });

  definitions = definitionsOption();
  settings = settingsOption();
  output = generatedOption('--output');
  offline = offlineOption();
  maxYamlBytes = maxYamlBytesOption('Largest YAML text of one pipeline file, in bytes (GitLab: max_yaml_size_bytes)');

  async run(): Promise<number> {
    const { writeRootPipelines } = await import('../../app/create-jobs.js');
    const limits = limitsWithYamlBytes(this.maxYamlBytes);
    await writeRootPipelines(
      { definitions: this.definitions, settings: this.settings, output: this.output, offline: this.offline, limits },
      this.context.env,
      this.context,
    );
    return 0;
  }
}
