import { Option } from 'clipanion';
import { ChildCacheCommand } from '../../child-cache-command.js';
import { positiveInteger } from '../../options.js';

export class SpackWaitCommand extends ChildCacheCommand {
  static override paths = [['spack', 'wait']];
  static override usage = ChildCacheCommand.Usage({
    category: 'Spack build pipeline',
    description: 'Wait until a build job of another child pipeline has pushed its spec to the build cache',
    details: `
      Run by the wait jobs process-spack-pipeline writes (docs/spack-pipeline.md): every child pipeline of
      build jobs starts at once, and a job needing a spec of another child needs a wait job instead. It looks
      every 20 s for the spec file (\`--spec-key\`, below the architecture's root of the build cache) and ends
      when it is there. It fails at once when the child building it (\`--producer\`) has left its failure
      marker (\`spack mark-failed\`) without it, and after \`--timeout-minutes\`. The bucket is reached as the
      settings say for the architecture and the cache; the credentials are never printed.
    `,
    examples: [
      [
        'Wait for zlib, built by the child spack-build-001 of pipeline 4711',
        '$0 spack wait --arch amd64 --cache production --pipeline 4711 --producer spack-build-001 --job "zlib@1.3 /abcdefg" --spec-key build_cache/linux-debian12-x86_64_v3-gcc-12.2.0-zlib-1.3-abcdefghijklmnopqrstuvwxyzabcdef.spec.json',
      ],
    ],
  });

  producer = Option.String('--producer', { required: true, description: 'The child pipeline building the spec (SPACKTAINERS_PRODUCER)' });
  job = Option.String('--job', { required: true, description: 'The build job pushing the spec (SPACKTAINERS_WAITS_FOR)' });
  specKey = Option.String('--spec-key', { required: true, description: "The spec file's key below the architecture's root (SPACKTAINERS_SPEC_KEY)" });
  timeoutMinutes = Option.String('--timeout-minutes', '720', { description: 'Give up after this many minutes' });

  async run(): Promise<number> {
    const { waitForBuildJob } = await import('../../../app/spack-waits.js');
    const timeoutMinutes = positiveInteger('--timeout-minutes', this.timeoutMinutes);
    await waitForBuildJob({ ...this.childCache(this.producer), job: this.job, specKey: this.specKey, timeoutMinutes }, this.context.env, this.context);
    return 0;
  }
}
