import type { Architecture } from '../settings/settings.js';
import { SpacktainersError } from '../errors.js';

/** What we compare: the image manifest's digest and its config labels. */
export interface PublishedImage {
  digest: string;
  labels: Record<string, string>;
}

/**
 * What the generator asks registries at generation time, so that it emits only the jobs whose
 * result is not published yet. An interface, so that `--offline` (and tests) can answer
 * without a network.
 */
export interface ImageLookup {
  /** Digest and labels of `host/repository:tag` for `arch`, or undefined when it is not there. */
  image(reference: string, arch: Architecture): Promise<PublishedImage | undefined>;
  /** The digest `host/repository:tag` points to, or undefined when it is not there. */
  digest(reference: string): Promise<string | undefined>;
  /** Whether `host/repository` exists (on Docker Hub we push only into existing repositories). */
  repositoryExists(repository: string): Promise<boolean>;
  /** Re-tag `from` as `to` (same repository) keeping its digest. */
  copy(from: string, to: string): Promise<void>;
}

/** Offline: nothing is published, so everything is built; nothing is ever copied. */
export const OFFLINE_IMAGES: ImageLookup = {
  image: async () => undefined,
  digest: async () => undefined,
  repositoryExists: async () => false,
  copy: async (from) => {
    throw new SpacktainersError('internal', `internal: offline, cannot copy ${from}`);
  },
};
