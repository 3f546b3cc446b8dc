import { OFFLINE_IMAGES, registryLookup } from '../registry/lookup.js';
import type { Settings } from '../settings/settings.js';
import { OFFLINE_SIFS, SifBucket } from '../sif/store.js';
import type { Published } from './container-jobs.js';

/**
 * The registries and the SIF bucket of the settings, with credentials from the CI variables
 * they name; offline, nothing is published.
 */
export function publishedState(settings: Settings, environment: NodeJS.ProcessEnv, offline: boolean): Published {
  if (offline) return { images: OFFLINE_IMAGES, sifs: OFFLINE_SIFS };
  return {
    images: registryLookup(settings, environment),
    sifs: SifBucket.fromSettings(settings, environment),
  };
}
