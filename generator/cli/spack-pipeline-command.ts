import { Option } from 'clipanion';
import { SpacktainersCommand } from './base-command.js';
import { limitsWithYamlBytes, maxYamlBytesOption, oneOf, positiveInteger, settingsOption } from './options.js';
import { CACHE_KINDS, CHILD_LINKS, DEFAULT_LIMITS } from '../app/options.js';
import type { SpackPipelineOptions } from '../app/spack-pipeline.js';

/**
 * Options shared by `process-spack-pipeline` (writes the pipelines) and `plan` (explains them),
 * so that the report always describes what would be written.
 */
export abstract class SpackPipelineCommand extends SpacktainersCommand {
  input = Option.String('--input', { required: true, description: 'Folder of spack ci generate outputs (*.yml, *.yaml, searched recursively)' });
  output = Option.String('--output', 'spack-pipeline', {
    description: 'Output folder, inside the project folder (GitLab finds artifacts relative to CI_PROJECT_DIR)',
  });
  maxYamlBytes = maxYamlBytesOption('Largest YAML text of one child pipeline, in bytes');
  maxNeeds = Option.String('--max-needs', String(DEFAULT_LIMITS.maxNeeds), { description: 'Most needs of one job (ci_max_needs)' });
  settings = settingsOption();
  arch = Option.String('--arch', { description: "Architecture of the build jobs, one of the settings' (default: the first listed)" });
  durations = Option.String('--durations', {
    description: 'Build times of earlier pipelines (gitlab durations writes them), to split and report by',
  });
  childLinks = Option.String('--child-links', {
    description: `How a job waits for a spec built in another child pipeline: ${CHILD_LINKS.join(' or ')} (a child waits for whole children); default: wait-jobs where the settings give the architecture lightRunnerTags`,
  });
  cache = Option.String('--cache', {
    description: `Build cache the jobs push to: ${CACHE_KINDS.join(', ')} (default: production on the default branch, else development)`,
  });

  protected async spackPipelineOptions(): Promise<SpackPipelineOptions> {
    const [{ spackPipelineDefaults }, { architectureOption }] = await Promise.all([import('../app/spack-pipeline.js'), import('../app/project.js')]);
    // The settings before the use case runs: they know the architectures and give --cache its default.
    const { settings, branchCache, primaryArch } = await spackPipelineDefaults(this.settings, this.context.env);
    const arch = this.arch === undefined ? primaryArch : architectureOption(settings, this.arch);
    return {
      input: this.input,
      output: this.output,
      settingsFile: this.settings,
      settings,
      arch,
      cache: this.cache === undefined ? branchCache : oneOf('--cache', this.cache, CACHE_KINDS),
      limits: { ...limitsWithYamlBytes(this.maxYamlBytes), maxNeeds: positiveInteger('--max-needs', this.maxNeeds) },
      durations: this.durations,
      links: this.childLinks === undefined ? undefined : oneOf('--child-links', this.childLinks, CHILD_LINKS),
    };
  }
}
