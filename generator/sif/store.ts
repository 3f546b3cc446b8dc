import { createReadStream } from 'node:fs';
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { s3Client } from '../io/s3/client.js';
import type { Settings } from '../settings/settings.js';

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
    throw new Error(`internal: offline, cannot copy ${from}`);
  },
};

/** S3 copies an object in one request up to 5 GiB; larger SIFs are converted again instead. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;

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

/** The SIF bucket: what the generator looks up, the SIF jobs upload and branch cleanup deletes. */
export class SifBucket implements SifLookup, SifStore {
  constructor(
    readonly client: S3Client,
    readonly name: string,
  ) {}

  /** The settings' `s3.sifBucket`, with the credentials in the CI variables the settings name. */
  static fromSettings(settings: Settings, environment: NodeJS.ProcessEnv): SifBucket {
    return new SifBucket(s3Client(settings.s3, environment), settings.s3.sifBucket);
  }

  async metadata(key: string): Promise<Record<string, string> | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }));
      return head.Metadata ?? {};
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  async copy(from: string, to: string): Promise<boolean> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: from }));
    if ((head.ContentLength ?? 0) > MAX_SINGLE_COPY_BYTES) return false;
    await this.client.send(
      new CopyObjectCommand({ Bucket: this.name, Key: to, CopySource: `${this.name}/${encodeURI(from)}`, MetadataDirective: 'COPY' }),
    );
    return true;
  }

  /**
   * Upload a SIF with its metadata, in parts for large files (lib-storage switches to a
   * multipart upload above one part and aborts it on failure). Skipped when the object already
   * carries the same metadata, so a retried job does not upload again.
   */
  async upload(key: string, file: string, metadata: Record<string, string>, partSize = 64 * 1024 * 1024): Promise<'uploaded' | 'unchanged'> {
    if (carries(await this.metadata(key), metadata)) return 'unchanged';
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.name, Key: key, Body: createReadStream(file), ContentType: 'application/octet-stream', Metadata: metadata },
      partSize,
      queueSize: 4,
    });
    await upload.done();
    return 'uploaded';
  }

  async list(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.name, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key?.endsWith('.sif') ? [o.Key] : [])));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key }));
  }
}
