import { Option } from 'clipanion';
import * as t from 'typanion';
import { SpacktainersCommand } from '../../base-command.js';
import { archOption, settingsOption } from '../../options.js';
import { CACHE_KINDS } from '../../../app/options.js';

export class SpackMarkFailedCommand extends SpacktainersCommand {
  static override paths = [['spack', 'mark-failed']];
  static override usage = SpacktainersCommand.Usage({
    category: 'Spack build pipeline',
    description: 'Say in the build cache that a child pipeline of build jobs failed, so the jobs waiting for its specs stop',
    details: `
      Run by the failure job of each child pipeline whose specs other children wait for (\`when: on_failure\`):
      it writes \`spacktainers-waits/<pipeline>/<producer>.failed\` below the architecture's root of the build
      cache, which \`spack wait\` looks for. A marker is a few bytes; one is written per failed child.
    `,
    examples: [
      ['Child spack-build-001 of pipeline 4711 failed', '$0 spack mark-failed --arch amd64 --cache production --pipeline 4711 --producer spack-build-001'],
    ],
  });

  arch = archOption();
  cache = Option.String('--cache', {
    required: true,
    description: 'production or development: the build cache the builds push to',
    validator: t.isEnum(CACHE_KINDS),
  });
  pipeline = Option.String('--pipeline', { required: true, description: 'ID of the pipeline that triggered the children (SPACKTAINERS_BUILD_PIPELINE_ID)' });
  producer = Option.String('--producer', { required: true, description: 'The child pipeline that failed' });
  settings = settingsOption();

  async run(): Promise<number> {
    const { markChildFailed } = await import('../../../app/spack-waits.js');
    const { settings, arch, cache, pipeline, producer } = this;
    await markChildFailed({ settingsFile: settings, arch, cache, pipeline, producer }, this.context.env, this.context);
    return 0;
  }
}
