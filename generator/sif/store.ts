import { SpacktainersError } from '../errors.js';

/**
 * Where a container's SIF lives in the SIF bucket: one folder per container, the file named
 * like the image tag (`numpy/numpy-1.26.1.sif`, `numpy/numpy-1.26.1__my-branch-arm64.sif`).
 */
export function sifObjectKey(name: string, tag: string): string {
  return `${name}/${name}-${tag}.sif`;
}

/**
 * The image tag in a key laid out by sifObjectKey, or undefined for any other object. Read
 * against the folder name, since container names may themselves hold `-` and `__`.
 */
export function sifObjectTag(key: string): string | undefined {
  const match = /^([^/]+)\/([^/]+)\.sif$/.exec(key);
  const [, name, file] = match ?? [];
  if (!name || !file?.startsWith(`${name}-`) || file.length === name.length + 1) return undefined;
  return file.slice(name.length + 1);
}

/** Asked whether a SIF is already in the bucket, and with which metadata. */
export interface SifLookup {
  /** The object's user metadata (keys lowercase), or undefined when there is no object. */
  metadata(key: string): Promise<Record<string, string> | undefined>;
  /** Copy an object within the bucket, metadata included; false when it is too large to copy in one request. */
  copy(from: string, to: string): Promise<boolean>;
}

/** Offline: no SIF exists, so every SIF step is emitted; nothing is ever copied. */
export const OFFLINE_SIFS: SifLookup = {
  metadata: async () => undefined,
  copy: async (from) => {
    throw new SpacktainersError('internal', `internal: offline, cannot copy ${from}`);
  },
};

/** Where SIF images are kept, as branch cleanup reads and deletes them. */
export interface SifStore {
  /** Every `.sif` key in the bucket. */
  list(): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/** Whether `published` carries every entry of `wanted` (S3 and labels alike). */
export function carries(published: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  return published !== undefined && Object.entries(wanted).every(([key, value]) => published[key] === value);
}
