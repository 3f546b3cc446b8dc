import { waitForSpec } from '../cache/spec-wait.js';
import { buildCacheClient, S3Bucket } from '../io/s3/cache-bucket.js';
import { cacheBucket, cacheConnection, type Architecture, type CacheKind } from '../settings/settings.js';
import { failureMarkerKey, WAIT_POLL_SECONDS } from '../spack/wait-jobs.js';
import { architectureOption, loadSettings } from './project.js';
import { progressSink, type Terminal } from './terminal.js';

/** The build cache a wait job or a failure job of a child pipeline reaches, as its options name it. */
export interface ChildCache {
  settingsFile: string;
  arch: string;
  cache: CacheKind;
  /** The ID of the pipeline triggering the children (`SPACKTAINERS_BUILD_PIPELINE_ID`). */
  pipeline: string;
  /** The child pipeline building the spec (wait), or whose job failed (failure marker). */
  producer: string;
}

export interface SpecWaitOptions extends ChildCache {
  /** The spec file's key below the cache root (`SPACKTAINERS_SPEC_KEY`). */
  specKey: string;
  /** The build job pushing it (`SPACKTAINERS_WAITS_FOR`). */
  job: string;
  timeoutMinutes: number;
  pollSeconds?: number;
}

/** Wait until a build job of another child pipeline has pushed its spec; fails when that child failed without it. */
export async function waitForBuildJob(options: SpecWaitOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  await withCacheRoot(options, environment, terminal, (bucket, root) =>
    waitForSpec(
      bucket,
      root,
      { specKey: options.specKey, failureKey: failureMarkerKey(options.pipeline, options.producer), job: options.job, producer: options.producer },
      { pollMs: (options.pollSeconds ?? WAIT_POLL_SECONDS) * 1000, timeoutMs: options.timeoutMinutes * 60_000 },
      (line) => terminal.stdout.write(`${line}\n`),
    ),
  );
}

/** Leave the marker saying a job of this child pipeline failed, which its wait jobs in other children look for. */
export async function markChildFailed(options: ChildCache, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const key = failureMarkerKey(options.pipeline, options.producer);
  await withCacheRoot(options, environment, terminal, (bucket, root) =>
    bucket.put(root + key, Buffer.from(`${JSON.stringify({ pipeline: options.pipeline, child: options.producer })}\n`), 'application/json'),
  );
  terminal.stdout.write(`${options.producer} failed: marked in the build cache (${key}), so the jobs waiting for its specs stop\n`);
}

async function withCacheRoot<T>(
  options: ChildCache,
  environment: NodeJS.ProcessEnv,
  terminal: Terminal,
  work: (bucket: S3Bucket, root: string) => Promise<T>,
): Promise<T> {
  const settings = await loadSettings(options.settingsFile, environment);
  const arch: Architecture = architectureOption(settings, options.arch);
  const client = buildCacheClient(cacheConnection(settings, arch, options.cache), environment);
  try {
    return await work(new S3Bucket(client, cacheBucket(settings, options.cache), progressSink(terminal)), `${arch}/`);
  } finally {
    client.destroy();
  }
}
