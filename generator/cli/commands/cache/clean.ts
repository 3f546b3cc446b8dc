import { Option } from 'clipanion';
import { SpacktainersCommand } from '../../base-command.js';
import { numberOption, usageError } from '../../options.js';
import { CACHE_KINDS, DEFAULT_GRACE_HOURS, DEFAULT_SETTINGS_FILE } from '../../../app/options.js';
import * as t from 'typanion';

export class CleanCacheCommand extends SpacktainersCommand {
  static override paths = [['clean-cache']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Remove old build-cache entries that no current environment uses',
    details: `
      Lists the Spack build cache in the bucket (layout v2 of Spack < 1.0 under \`build_cache/\`, layout v3
      of Spack >= 1.0 under \`v3/\` and \`blobs/\`, or both) and deletes every entry older than
      \`--max-age-days\` whose hash is not in the keep set, then every entry that depends on a deleted one.
      The keep set is every hash in the given \`spack.lock\` files and all their dependencies; nothing in it
      is ever touched. The index is then rewritten the way Spack writes it.

      Deletion has two phases: a run marks what it would delete, and a later run deletes only what stayed
      deletable for \`--grace-hours\` (settings \`cacheCleanup.graceHours\`, default ${DEFAULT_GRACE_HOURS}), longer than
      any build, so a build still running on an entry can push what depends on it. \`--grace-hours 0\` deletes
      in one pass: only when no build is running. A run holds a lease on each prefix; a second run at once
      stops without changing anything.

      \`--dry-run\` prints (and with \`--report\` writes as JSON) what would go and why, and changes nothing.
      Without \`--force\`, nothing is deleted when more than \`--max-delete-fraction\` of the entries would go
      (exit code 2). The bucket is reached as the settings say for the prefixes' architecture (docs/settings.md),
      off the default branch with the development cache's credentials; without settings, with AWS_ACCESS_KEY_ID
      and AWS_SECRET_ACCESS_KEY. They are never printed.
    `,
    examples: [
      [
        'See what would go from the production cache of amd64',
        '$0 clean-cache --cache production --prefix amd64 --env generated/amd64/spack-outputs --dry-run',
      ],
      [
        'Clean the production cache named in the settings, with its age, for every architecture',
        '$0 clean-cache --cache production --env generated --report cache-cleanup.json',
      ],
      [
        "Clean a bucket at the settings' endpoint, two architectures, and keep a report",
        '$0 clean-cache --bucket spack-build-cache-dev --settings settings.yaml --prefix amd64 --prefix arm64 --env generated --max-age-days 14 --report cache-cleanup.json',
      ],
    ],
  });

  cache = Option.String('--cache', {
    description: 'production or development: take the bucket, age and prefixes (every architecture) from the settings',
    validator: t.isEnum(CACHE_KINDS),
  });
  bucket = Option.String('--bucket', { description: 'Bucket holding the build cache (required without --cache)' });
  endpoint = Option.String('--endpoint', { description: 'S3 endpoint URL (default: settings s3.endpoint, or AWS)' });
  prefixes = Option.Array('--prefix', [], { description: 'Mirror root inside the bucket, e.g. an architecture (repeatable; default: bucket root)' });
  env = Option.Array('--env', { required: true, description: 'spack.lock file, or directory searched for them (repeatable)' });
  maxAgeDays = Option.String('--max-age-days', { description: 'Entries unused and older than this many days go (required without --cache)' });
  dryRun = Option.Boolean('--dry-run', false, { description: 'Print and report what would go; change nothing' });
  maxDeleteFraction = Option.String('--max-delete-fraction', '0.5', { description: 'Refuse to delete more than this fraction of the entries' });
  graceHours = Option.String('--grace-hours', {
    description: `Delete only what stayed deletable this many hours (default: settings cacheCleanup.graceHours, or ${DEFAULT_GRACE_HOURS}); 0: one pass`,
  });
  force = Option.Boolean('--force', false, { description: 'Delete even above --max-delete-fraction' });
  report = Option.String('--report', { description: 'Write the decisions as JSON to this file' });
  settings = Option.String('--settings', {
    description: 'Settings file for the endpoint, region and credential variable names (default with --cache: settings.yaml)',
  });

  async run(): Promise<number> {
    const { cleanBuildCache, cleanCacheDefaults } = await import('../../../app/clean-cache.js');
    const settingsFile = this.settings ?? (this.cache ? DEFAULT_SETTINGS_FILE : undefined);
    // The settings before the use case runs: they give --bucket, --prefix, --max-age-days and --grace-hours their defaults.
    const { settings, target, graceHours } = await cleanCacheDefaults(settingsFile, this.cache, this.context.env);
    const bucket = this.bucket ?? target?.bucket;
    if (!bucket) throw usageError('--bucket (or --cache) is required');
    const report = await cleanBuildCache(
      {
        bucket,
        cache: this.cache,
        endpoint: this.endpoint,
        prefixes: this.prefixes.length > 0 ? this.prefixes : (target?.prefixes ?? ['']),
        locks: this.env,
        maxAgeDays: numberOption('--max-age-days', this.maxAgeDays ?? String(target?.maxAgeDays ?? ''), (n) => n > 0),
        graceHours: numberOption('--grace-hours', this.graceHours ?? String(graceHours), (n) => n >= 0),
        maxDeleteFraction: numberOption('--max-delete-fraction', this.maxDeleteFraction, (n) => n >= 0 && n <= 1),
        dryRun: this.dryRun,
        force: this.force,
        report: this.report,
      },
      settings,
      this.context.env,
      this.context,
    );
    return report.outcome === 'refused' ? 2 : 0;
  }
}
