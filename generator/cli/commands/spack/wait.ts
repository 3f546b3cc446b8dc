import { Option } from 'clipanion';
import * as t from 'typanion';
import { SpacktainersCommand } from '../../base-command.js';
import { archOption, positiveInteger, settingsOption } from '../../options.js';
import { CACHE_KINDS } from '../../../app/options.js';

export class SpackWaitCommand extends SpacktainersCommand {
  static override paths = [['spack', 'wait']];
  static override usage = SpacktainersCommand.Usage({
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

  arch = archOption();
  cache = Option.String('--cache', {
    required: true,
    description: 'production or development: the build cache the builds push to',
    validator: t.isEnum(CACHE_KINDS),
  });
  pipeline = Option.String('--pipeline', { required: true, description: 'ID of the pipeline that triggered the children (SPACKTAINERS_BUILD_PIPELINE_ID)' });
  producer = Option.String('--producer', { required: true, description: 'The child pipeline building the spec (SPACKTAINERS_PRODUCER)' });
  job = Option.String('--job', { required: true, description: 'The build job pushing the spec (SPACKTAINERS_WAITS_FOR)' });
  specKey = Option.String('--spec-key', { required: true, description: "The spec file's key below the architecture's root (SPACKTAINERS_SPEC_KEY)" });
  timeoutMinutes = Option.String('--timeout-minutes', '720', { description: 'Give up after this many minutes' });
  settings = settingsOption();

  async run(): Promise<number> {
    const { waitForBuildJob } = await import('../../../app/spack-waits.js');
    const { settings, arch, cache, pipeline, producer, job, specKey } = this;
    const timeoutMinutes = positiveInteger('--timeout-minutes', this.timeoutMinutes);
    await waitForBuildJob({ settingsFile: settings, arch, cache, pipeline, producer, job, specKey, timeoutMinutes }, this.context.env, this.context);
    return 0;
  }
}
