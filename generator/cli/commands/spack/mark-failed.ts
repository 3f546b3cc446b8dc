import { Option } from 'clipanion';
import { ChildCacheCommand } from '../../child-cache-command.js';

export class SpackMarkFailedCommand extends ChildCacheCommand {
  static override paths = [['spack', 'mark-failed']];
  static override usage = ChildCacheCommand.Usage({
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

  producer = Option.String('--producer', { required: true, description: 'The child pipeline that failed' });

  async run(): Promise<number> {
    const { markChildFailed } = await import('../../../app/spack-waits.js');
    await markChildFailed(this.childCache(this.producer), this.context.env, this.context);
    return 0;
  }
}
