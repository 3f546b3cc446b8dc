import type { ProgressSink } from '../io/retry.js';
import { OFFLINE_IMAGES } from '../registry/lookup.js';
import { bucketConnection, imagePlatform, type Architecture, type Settings } from '../settings/settings.js';
import type { SifBucket } from '../io/s3/sif-bucket.js';
import { OFFLINE_SIFS } from '../sif/store.js';
import type { Published } from './container-jobs.js';

/**
 * The registries and the SIF bucket of the settings, the bucket as the jobs of `arch` reach it,
 * with credentials from the CI variables they name, their retries reported to `log`; offline,
 * nothing is published, and the adapters (the AWS SDK with them, a third of a second to load)
 * are not loaded.
 */
export async function publishedState(
  settings: Settings,
  arch: Architecture,
  environment: NodeJS.ProcessEnv,
  offline: boolean,
  log: ProgressSink,
): Promise<Published> {
  if (offline) return { images: OFFLINE_IMAGES, sifs: OFFLINE_SIFS };
  const { registryLookup } = await import('../io/registry/lookup.js');
  return {
    images: registryLookup(settings, (name) => imagePlatform(settings, name), environment, log),
    sifs: await sifBucket(settings, arch, environment, log),
  };
}

/** The settings' SIF bucket as the jobs of `arch` reach it (settings `s3.sif`, `architectures.<arch>.s3`). */
export async function sifBucket(settings: Settings, arch: Architecture, environment: NodeJS.ProcessEnv, log: ProgressSink): Promise<SifBucket> {
  const { SifBucket } = await import('../io/s3/sif-bucket.js');
  return SifBucket.connect(bucketConnection(settings, 'sif', arch), settings.s3.sifBucket, environment, log);
}
