import { Option } from 'clipanion';
import * as t from 'typanion';
import { SpacktainersCommand } from './base-command.js';
import { archOption, settingsOption } from './options.js';
import { CACHE_KINDS } from '../app/options.js';
import type { ChildCache } from '../app/spack-waits.js';

/**
 * Options shared by the commands the jobs of a child pipeline of build jobs run (`spack wait`,
 * `spack mark-failed`): which build cache, which run of the pipeline, which child.
 */
export abstract class ChildCacheCommand extends SpacktainersCommand {
  arch = archOption();
  cache = Option.String('--cache', {
    required: true,
    description: 'production or development: the build cache the builds push to',
    validator: t.isEnum(CACHE_KINDS),
  });
  pipeline = Option.String('--pipeline', { required: true, description: 'ID of the pipeline that triggered the children (SPACKTAINERS_BUILD_PIPELINE_ID)' });
  settings = settingsOption();

  protected childCache(producer: string): ChildCache {
    return { settingsFile: this.settings, arch: this.arch, cache: this.cache, pipeline: this.pipeline, producer };
  }
}
