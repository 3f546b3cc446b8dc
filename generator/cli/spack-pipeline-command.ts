import path from 'node:path';
import { Option } from 'clipanion';
import { SpacktainersCommand } from './base-command.js';
import { maxYamlBytesOption, positiveInteger, settingsOption } from './options.js';
import { InputError } from '../input/errors.js';
import { DEFAULT_LIMITS } from '../pipeline/limits.js';
import { cacheKind, ciContext } from '../gitlab/ci-context.js';
import { loadSettings } from '../settings/load.js';
import { ARCHITECTURES, type CacheKind } from '../settings/settings.js';
import { buildSpackPipeline, type SpackPipelineResult } from '../spack/plan.js';
import { readSpackPipelines } from '../spack/read.js';

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

  /** The output folder as GitLab sees it: relative to the project folder (the current folder). */
  protected outputPath(): string {
    const relative = path.relative(process.cwd(), path.resolve(this.output));
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new InputError({ file: '--output' }, `${this.output} must be a folder inside the project folder (the current folder)`);
    }
    return relative.split(path.sep).join('/');
  }

  protected async computeSpackPipeline(): Promise<SpackPipelineResult> {
    const arch = oneOf('--arch', this.arch, ARCHITECTURES);
    const settings = await loadSettings(this.settings);
    const cache = this.cache === undefined ? cacheKind(ciContext(settings)) : oneOf('--cache', this.cache, CACHE_KINDS);
    const limits = {
      ...DEFAULT_LIMITS,
      maxYamlBytes: positiveInteger('--max-yaml-bytes', this.maxYamlBytes),
      maxNeeds: positiveInteger('--max-needs', this.maxNeeds),
    };
    const outputPath = this.outputPath();
    const inputs = await readSpackPipelines(this.input);
    return buildSpackPipeline(inputs, { settings, arch, cache, outputPath, limits });
  }
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError({ file: option }, `must be one of ${allowed.join(', ')}, got ${value}`);
  }
  return value as T;
}
