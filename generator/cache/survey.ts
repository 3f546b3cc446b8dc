import type { BuildCacheEntry, CacheLayout } from './entry.js';

export interface ObjectWrite {
  key: string;
  body: Uint8Array;
  contentType: string;
}

/** How to bring a layout's index up to date: objects to write first, objects obsolete after. */
export interface IndexWrite {
  writes: ObjectWrite[];
  obsolete: string[];
}

/** One layout of one mirror as read from the bucket, ready for the janitor to decide on. */
export interface LayoutSurvey {
  layout: CacheLayout;
  /** The mirror root inside the bucket ('' or ending in '/'). */
  prefix: string;
  entries: BuildCacheEntry[];
  /** Entries the index did not list (their spec had to be read: one or two requests each). */
  unindexed: number;
  /** Hashes the index lists as in the build cache, whether or not the listing found them. */
  indexed: ReadonlySet<string>;
  /** By hash, the objects of these entries besides their discovery keys; reads but never writes. */
  payloadOf(doomed: BuildCacheEntry[]): Promise<Map<string, string[]>>;
  /** The index as Spack would write it once the doomed hashes are gone. */
  rewriteIndex(doomed: ReadonlySet<string>): Promise<IndexWrite>;
}
