import type { ProgressSink } from '../io/retry.js';
import { OFFLINE_IMAGES } from '../registry/lookup.js';
import type { Settings } from '../settings/settings.js';
import { OFFLINE_SIFS } from '../sif/store.js';
import type { Published } from './container-jobs.js';

/**
 * The registries and the SIF bucket of the settings, with credentials from the CI variables
 * they name, their retries reported to `log`; offline, nothing is published, and the adapters
 * (the AWS SDK with them, a third of a second to load) are not loaded.
 */
export async function publishedState(settings: Settings, environment: NodeJS.ProcessEnv, offline: boolean, log: ProgressSink): Promise<Published> {
  if (offline) return { images: OFFLINE_IMAGES, sifs: OFFLINE_SIFS };
  const [{ registryLookup }, { SifBucket }] = await Promise.all([import('../io/registry/lookup.js'), import('../io/s3/sif-bucket.js')]);
  return {
    images: registryLookup(settings, environment, log),
    sifs: SifBucket.fromSettings(settings, environment, log),
  };
}
