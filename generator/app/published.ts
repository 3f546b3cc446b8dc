import { registryLookup } from '../io/registry/lookup.js';
import type { ProgressSink } from '../io/retry.js';
import { OFFLINE_IMAGES } from '../registry/lookup.js';
import type { Settings } from '../settings/settings.js';
import { SifBucket } from '../io/s3/sif-bucket.js';
import { OFFLINE_SIFS } from '../sif/store.js';
import type { Published } from './container-jobs.js';

/**
 * The registries and the SIF bucket of the settings, with credentials from the CI variables
 * they name, their retries reported to `log`; offline, nothing is published.
 */
export function publishedState(settings: Settings, environment: NodeJS.ProcessEnv, offline: boolean, log: ProgressSink): Published {
  if (offline) return { images: OFFLINE_IMAGES, sifs: OFFLINE_SIFS };
  return {
    images: registryLookup(settings, environment, log),
    sifs: SifBucket.fromSettings(settings, environment, log),
  };
}
