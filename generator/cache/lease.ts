import { randomUUID } from 'node:crypto';
import type { Bucket, ListedObject } from './bucket.js';
import { SpacktainersError } from '../errors.js';

/** Where the janitor keeps its own objects in a mirror root: outside build_cache/, v3/ and blobs/. */
export const JANITOR_ROOT = 'spacktainers-janitor/';
export const LEASE_FOLDER = `${JANITOR_ROOT}lease/`;

export interface LeaseOptions {
  /** How long a lease lives without renewal, by the bucket's clock (LastModified). */
  ttlMs: number;
  /** Attempts to acquire when another contender is seen; the backoff between them is random. */
  attempts: number;
  retryDelayMs: number;
}

export const DEFAULT_LEASE: LeaseOptions = { ttlMs: 30 * 60_000, attempts: 4, retryDelayMs: 2_000 };

const LEASE_NAME = /ttl-(\d+)-[0-9a-f-]+$/;

function ttlOf(object: ListedObject): number {
  return Number(LEASE_NAME.exec(object.key)?.[1] ?? 0);
}

/**
 * A lease on one mirror root, by announce-and-check: put an object under a unique name, list the
 * lease folder, and hold the lease only if no other live lease is listed. S3 has been strongly
 * consistent for writes followed by listings since 2020, so of two contenders the second to list
 * always sees the first, and at most one holds. No conditional write is needed: s3rver ignores
 * If-None-Match on PUT, and a lock relying on a header a store silently ignores would be no lock.
 * Liveness is judged by the bucket's clock alone (LastModified), never the runner's.
 */
export class Lease {
  private lastRenewal: number | undefined;

  private constructor(
    private readonly bucket: Bucket,
    private readonly key: string,
    private readonly options: LeaseOptions,
  ) {}

  static async acquire(bucket: Bucket, root: string, options: LeaseOptions = DEFAULT_LEASE): Promise<Lease> {
    const folder = `${root}${LEASE_FOLDER}`;
    for (let attempt = 1; ; attempt++) {
      const lease = new Lease(bucket, `${folder}ttl-${Math.ceil(options.ttlMs)}-${randomUUID()}`, options);
      const { own, live, stale } = await lease.announce().catch(async (error: unknown) => {
        // Best effort: a lease object left behind expires; the error to report is the first one.
        await bucket.delete([lease.key]).catch(() => undefined);
        throw error;
      });
      if (live.length === 0) {
        // Expired leases belong to runs that died or stalled; a stalled one notices at its next renewal.
        await bucket.delete(stale.map((object) => object.key));
        lease.lastRenewal = own.lastModified.getTime();
        return lease;
      }
      await bucket.delete([lease.key]);
      if (attempt >= options.attempts) {
        const since = live.map((object) => object.lastModified.toISOString()).sort()[0];
        throw new SpacktainersError(
          'service',
          `${root || '(root)'}: another janitor holds the lease (${folder}, renewed ${since}); nothing was changed, try later`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * options.retryDelayMs));
    }
  }

  /**
   * Refresh the lease before a change, and stop if it lapsed since the last renewal: another run
   * may have taken over in between.
   */
  async renew(): Promise<void> {
    const { own } = await this.announce();
    const gap = own.lastModified.getTime() - this.lastRenewal!;
    if (gap > this.options.ttlMs) {
      await this.bucket.delete([this.key]);
      throw new SpacktainersError(
        'service',
        `${this.key}: the lease expired (${Math.round(gap / 1000)} s without renewal); stopped, a re-run finishes the work`,
      );
    }
    this.lastRenewal = own.lastModified.getTime();
  }

  async release(): Promise<void> {
    await this.bucket.delete([this.key]);
  }

  private async announce(): Promise<{ own: ListedObject; live: ListedObject[]; stale: ListedObject[] }> {
    await this.bucket.put(this.key, Buffer.from('{}'), 'application/json');
    const listed = await this.bucket.list(this.key.slice(0, this.key.lastIndexOf('/') + 1));
    const own = listed.find((object) => object.key === this.key);
    if (!own) throw new SpacktainersError('service', `${this.key}: written but not listed; the lease folder is changing under us`);
    const now = own.lastModified.getTime();
    const others = listed.filter((object) => object.key !== this.key);
    return {
      own,
      live: others.filter((object) => object.lastModified.getTime() + ttlOf(object) >= now),
      stale: others.filter((object) => object.lastModified.getTime() + ttlOf(object) < now),
    };
  }
}
