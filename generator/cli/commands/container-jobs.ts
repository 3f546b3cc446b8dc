import { SpacktainersCommand } from '../base-command.js';
import { archOption, definitionsOption, generatedOption, limitsWithYamlBytes, maxYamlBytesOption, offlineOption, settingsOption } from '../options.js';
import { PUBLISH_PIPELINE } from '../../app/file-names.js';

export class ContainerJobsCommand extends SpacktainersCommand {
  static override paths = [['container-jobs']];
  static override usage = SpacktainersCommand.Usage({
    description: "Write one architecture's container publishing pipeline from the concretized environments",
    details: `
      Runs in the container-publishing child pipeline after the generate jobs. Reads each Spack
      container's spack.lock from \`<generated>/<arch>/spack-outputs/<name>/\` (the version of its first
      spec names the image tag), and writes \`<generated>/<arch>/containers/${PUBLISH_PIPELINE}\` with the
      Dockerfiles beside it; when the containers do not fit in one file under GitLab's limits, one
      \`containers-NNN.yml\` per group of containers instead, the groups create-jobs triggers.

      Only the steps whose result is not published yet are written: the image build and push when
      the registry's image lacks the container's \`org.spacktainers.*\` labels (spack.lock digest,
      container checksum, Spack commit, base image digests), the SIF conversion and upload when the
      SIF bucket's object lacks them as metadata, and on the default branch the Docker Hub push when
      the Docker Hub repository exists and its image lacks them. With nothing to publish the
      pipeline holds a single no-op job. \`--offline\` asks no registry or bucket and writes every step.
    `,
    examples: [
      ['Plan the amd64 containers', '$0 container-jobs --arch amd64'],
      ['Plan them without network, publishing everything', '$0 container-jobs --arch amd64 --offline'],
    ],
  });

  arch = archOption();
  definitions = definitionsOption();
  settings = settingsOption();
  generated = generatedOption();
  offline = offlineOption();
  maxYamlBytes = maxYamlBytesOption("Largest YAML text of one publishing pipeline, in bytes: create-jobs' own");

  async run(): Promise<number> {
    const { writeContainerJobs } = await import('../../app/container-jobs.js');
    const limits = limitsWithYamlBytes(this.maxYamlBytes);
    const options = { arch: this.arch, definitions: this.definitions, settings: this.settings, generated: this.generated, offline: this.offline, limits };
    await writeContainerJobs(options, this.context.env, this.context);
    return 0;
  }
}
