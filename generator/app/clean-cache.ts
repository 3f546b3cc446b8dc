import { cleanCache, DEFAULT_GRACE_HOURS, type CleanCacheReport } from '../cache/clean.js';
import { keepSetOf } from '../cache/spack-lock.js';
import { writePlainFile } from '../io/fs/plain-files.js';
import { loadSettings } from './project.js';
import { loadSpackLocks } from './spack-files.js';
import { buildCacheClient, S3Bucket } from '../io/s3/cache-bucket.js';
import type { S3Connection } from '../io/s3/client.js';
import { SpacktainersError } from '../errors.js';
import { cacheKind, ciContext } from '../pipeline/ci-context.js';
import {
  architectureNames,
  cacheBucketOf,
  cacheCleanupTarget,
  pipelineConnection,
  type BucketConnection,
  type CacheKind,
  type Settings,
} from '../settings/settings.js';
import { progressSink, type Terminal } from './terminal.js';

/** What the settings say about a clean-up, before the command's options override it. */
export interface CleanCacheDefaults {
  /** Undefined without a settings file. */
  settings: Settings | undefined;
  /** Bucket, age and prefixes of the cache named (`--cache`). */
  target: { bucket: string; maxAgeDays: number; prefixes: string[] } | undefined;
  graceHours: number;
}

/** Read the settings file, if any, for the defaults of a clean-up of the cache `cache`. */
export async function cleanCacheDefaults(
  settingsFile: string | undefined,
  cache: CacheKind | undefined,
  environment: NodeJS.ProcessEnv,
): Promise<CleanCacheDefaults> {
  const settings = settingsFile ? await loadSettings(settingsFile, environment) : undefined;
  return {
    settings,
    target: settings && cache ? cacheCleanupTarget(settings, cache) : undefined,
    graceHours: settings?.cacheCleanup.graceHours ?? DEFAULT_GRACE_HOURS,
  };
}

/** A clean-up of one bucket, its options parsed. */
export interface CacheCleanup {
  bucket: string;
  /** Which build cache the bucket is (`--cache`); undefined: the development cache if the settings name it so, else production. */
  cache: CacheKind | undefined;
  /** S3 endpoint URL; undefined: the settings' endpoint, or AWS. */
  endpoint: string | undefined;
  prefixes: string[];
  /** spack.lock files, or folders searched for them: the keep set. */
  locks: string[];
  maxAgeDays: number;
  graceHours: number;
  maxDeleteFraction: number;
  dryRun: boolean;
  force: boolean;
  /** Where to write the decisions as JSON. */
  report: string | undefined;
}

/**
 * Clean the build cache of every entry no environment uses, through the settings' connection
 * (without settings: AWS_REGION and the AWS_* credential variables); prints what went, what is
 * marked and the outcome, and writes the report.
 */
export async function cleanBuildCache(
  cleanup: CacheCleanup,
  settings: Settings | undefined,
  environment: NodeJS.ProcessEnv,
  terminal: Terminal,
): Promise<CleanCacheReport> {
  const keep = keepSetOf(await loadSpackLocks(cleanup.locks));
  const connection: S3Connection = settings
    ? cleanupConnection(settings, cleanup, environment)
    : {
        region: environment.AWS_REGION ?? 'us-east-1',
        accessKeyVariable: 'AWS_ACCESS_KEY_ID',
        secretKeyVariable: 'AWS_SECRET_ACCESS_KEY',
      };
  const client = buildCacheClient({ ...connection, endpoint: cleanup.endpoint ?? connection.endpoint }, environment);
  try {
    const report = await cleanCache(new S3Bucket(client, cleanup.bucket, progressSink(terminal)), {
      prefixes: cleanup.prefixes,
      keep,
      maxAgeDays: cleanup.maxAgeDays,
      now: new Date(),
      dryRun: cleanup.dryRun,
      maxDeleteFraction: cleanup.maxDeleteFraction,
      force: cleanup.force,
      graceHours: cleanup.graceHours,
    });
    printReport(report, keep.size, terminal);
    if (cleanup.report) await writePlainFile(cleanup.report, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    client.destroy();
  }
}

/**
 * The settings' connection to the cleaned cache, as the jobs of its prefixes' architecture reach
 * it (the primary one for a prefix that names none), with the credentials this pipeline holds:
 * off the default branch, the development cache's even for the production cache.
 */
function cleanupConnection(settings: Settings, cleanup: CacheCleanup, environment: NodeJS.ProcessEnv): BucketConnection {
  const context = ciContext(settings, environment);
  const kind = cleanup.cache ?? (cleanup.bucket === settings.s3.developmentCacheBucket ? 'development' : 'production');
  const known = architectureNames(settings);
  const arches = [...new Set(cleanup.prefixes.map((prefix) => (known.includes(prefix) ? prefix : context.primaryArch)))];
  const [first, ...others] = arches.map((arch) => pipelineConnection(settings, cacheBucketOf(kind), arch, cacheKind(context)));
  if (others.some((other) => JSON.stringify(other) !== JSON.stringify(first))) {
    const problem = `${arches.join(' and ')} reach s3://${cleanup.bucket} through different connections (settings architectures.<arch>.s3): clean one prefix at a time`;
    throw new SpacktainersError('usage', problem, { location: { option: '--prefix' } });
  }
  return first!;
}

function printReport(report: CleanCacheReport, kept: number, terminal: Terminal): void {
  const out = terminal.stdout;
  for (const mirror of report.mirrors) {
    out.write(
      `${mirror.layout} ${mirror.prefix || '(root)'}: ${mirror.entries} entries, ${mirror.protected} in use, ` +
        `${mirror.unindexed} not in the index, ${mirror.deleting} to delete, ${mirror.waiting} marked\n`,
    );
  }
  const verb = report.outcome === 'deleted' ? 'deleted' : 'would delete';
  for (const deletion of report.deletions) {
    out.write(`${verb} ${deletion.layout} ${deletion.prefix}${deletion.spec}: ${deletion.why}\n`);
  }
  for (const waiting of report.waiting) {
    out.write(`marked ${waiting.layout} ${waiting.prefix}${waiting.spec}: deletable since ${waiting.markedAt}, goes from ${waiting.dueAt}\n`);
  }
  for (const spared of report.spared) out.write(`kept ${spared}: an entry pushed during the run depends on it\n`);
  out.write(
    `${report.deletions.length} of ${report.entries} entries, ${report.waiting.length} marked (keep set: ${kept} hashes, ` +
      `grace ${report.graceHours} h); ${report.requests} S3 requests\n`,
  );
  if (report.outcome === 'refused') {
    const going = report.mirrors.reduce((sum, mirror) => sum + mirror.deleting + mirror.waiting, 0);
    terminal.stderr.write(
      `refused: ${going} of ${report.entries} entries is more than --max-delete-fraction ` +
        `${report.maxDeleteFraction}; nothing was deleted (use --force if this is intended)\n`,
    );
  } else if (report.outcome === 'dry run') {
    out.write(`dry run: nothing was changed${report.capExceeded ? ' (a real run would refuse: over --max-delete-fraction)' : ''}\n`);
  } else if (report.outcome === 'deleted') {
    out.write(`deleted ${report.objectsDeleted} objects and rewrote the index\n`);
  } else if (report.outcome === 'marked') {
    out.write(`marked ${report.waiting.length} entries: nothing is deleted before their grace period ends\n`);
  }
  if (!report.dryRun && !report.indexesConsistent) {
    out.write('an index still differs from the bucket (pushes kept landing while it was written); the next update-index or run fixes it\n');
  }
}
