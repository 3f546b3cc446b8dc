import { Option } from 'clipanion';
import { SpacktainersCommand } from './base-command.js';
import { limitsWithYamlBytes, maxYamlBytesOption, positiveInteger, settingsOption } from './options.js';
import { OptionError } from '../input/errors.js';
import { DEFAULT_LIMITS } from '../pipeline/limits.js';
import { outputFolder } from '../io/fs/output.js';
import type { OutputFolder } from '../pipeline/output.js';
import { cacheKind, ciContext } from '../pipeline/ci-context.js';
import { loadSettings } from '../io/fs/settings.js';
import { ARCHITECTURES, type CacheKind } from '../settings/settings.js';
import { buildSpackPipeline, type SpackPipelineResult } from '../spack/build-pipeline.js';
import { readSpackPipelines } from '../io/fs/spack-pipelines.js';

const CACHE_KINDS: CacheKind[] = ['production', 'development'];

/**
 * Options and computation shared by `process-spack-pipeline` (writes the pipelines) and
 * `plan` (explains them), so that the report always describes what would be written.
 */
export abstract class SpackPipelineCommand extends SpacktainersCommand {
  input = Option.String('--input', { required: true, description: 'Folder of spack ci generate outputs (*.yml, *.yaml, searched recursively)' });
  output = Option.String('--output', 'spack-pipeline', {
    description: 'Output folder, inside the project folder (GitLab finds artifacts relative to CI_PROJECT_DIR)',
  });
  maxYamlBytes = maxYamlBytesOption('Largest YAML text of one child pipeline, in bytes');
  maxNeeds = Option.String('--max-needs', String(DEFAULT_LIMITS.maxNeeds), { description: 'Most needs of one job (ci_max_needs)' });
  settings = settingsOption();
  arch = Option.String('--arch', 'amd64', { description: `Architecture of the build jobs: ${ARCHITECTURES.join(', ')}` });
  cache = Option.String('--cache', {
    description: `Build cache the jobs push to: ${CACHE_KINDS.join(', ')} (default: production on the default branch, else development)`,
  });

  /** The pipelines, and the checked output folder they name (as GitLab sees it: relative to the project). */
  protected async computeSpackPipeline(): Promise<SpackPipelineResult & { output: OutputFolder }> {
    const arch = oneOf('--arch', this.arch, ARCHITECTURES);
    const settings = await loadSettings(this.settings, this.context.env);
    const cache = this.cache === undefined ? cacheKind(ciContext(settings, this.context.env)) : oneOf('--cache', this.cache, CACHE_KINDS);
    const limits = { ...limitsWithYamlBytes(this.maxYamlBytes), maxNeeds: positiveInteger('--max-needs', this.maxNeeds) };
    const output = await outputFolder('--output', this.output, [this.settings, this.input]);
    const inputs = await readSpackPipelines(this.input);
    return { ...buildSpackPipeline(inputs, { settings, arch, cache, outputPath: output.path, limits }), output };
  }
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new OptionError(option, `must be one of ${allowed.join(', ')}, got ${value}`);
  }
  return value as T;
}
