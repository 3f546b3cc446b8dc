import { registryLookup } from '../io/registry/lookup.js';
import type { ProgressSink } from '../io/retry.js';
import { OFFLINE_IMAGES } from '../registry/lookup.js';
import { bucketConnection, imagePlatform, type Architecture, type Settings } from '../settings/settings.js';
import { SifBucket } from '../io/s3/sif-bucket.js';
import { OFFLINE_SIFS } from '../sif/store.js';
import type { Published } from './container-jobs.js';

/**
 * The registries and the SIF bucket of the settings, the bucket as the jobs of `arch` reach it,
 * with credentials from the CI variables they name, their retries reported to `log`; offline,
 * nothing is published.
 */
export function publishedState(settings: Settings, arch: Architecture, environment: NodeJS.ProcessEnv, offline: boolean, log: ProgressSink): Published {
  if (offline) return { images: OFFLINE_IMAGES, sifs: OFFLINE_SIFS };
  return {
    images: registryLookup(settings, (name) => imagePlatform(settings, name), environment, log),
    sifs: sifBucket(settings, arch, environment, log),
  };
}

/** The settings' SIF bucket as the jobs of `arch` reach it (settings `s3.sif`, `architectures.<arch>.s3`). */
export function sifBucket(settings: Settings, arch: Architecture, environment: NodeJS.ProcessEnv, log: ProgressSink): SifBucket {
  return SifBucket.connect(bucketConnection(settings, 'sif', arch), settings.s3.sifBucket, environment, log);
}
