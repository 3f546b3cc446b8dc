import { createReadStream } from 'node:fs';
import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Settings } from '../settings/settings.js';

/**
 * Where a container's SIF lives in the SIF bucket: one folder per container, the file named
 * like the image tag (`numpy/numpy-1.26.1.sif`, `numpy/numpy-1.26.1__my-branch-arm64.sif`).
 */
export function sifObjectKey(name: string, tag: string): string {
  return `${name}/${name}-${tag}.sif`;
}

/** Asked whether a SIF is already in the bucket, and with which metadata. */
export interface SifLookup {
  /** The object's user metadata (keys lowercase), or undefined when there is no object. */
  metadata(key: string): Promise<Record<string, string> | undefined>;
}

/** Offline: no SIF exists, so every SIF step is emitted. */
export const OFFLINE_SIFS: SifLookup = { metadata: async () => undefined };

/**
 * An S3 client for the settings' endpoint, with the credentials read from the CI variables the
 * settings name. Path-style addressing, which every S3 implementation serves.
 */
export function sifS3Client(settings: Settings, environment: NodeJS.ProcessEnv): S3Client {
  const accessKeyId = environment[settings.s3.accessKeyVariable];
  const secretAccessKey = environment[settings.s3.secretKeyVariable];
  return new S3Client({
    endpoint: settings.s3.endpoint,
    region: settings.s3.region,
    forcePathStyle: true,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  });
}

export function s3SifLookup(client: S3Client, bucket: string): SifLookup {
  return {
    async metadata(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return head.Metadata ?? {};
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
        throw error;
      }
    },
  };
}

/** Whether `published` carries every entry of `wanted` (S3 and labels alike). */
export function carries(published: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  return published !== undefined && Object.entries(wanted).every(([key, value]) => published[key] === value);
}

/**
 * Upload a SIF with its metadata, in parts for large files (lib-storage switches to a
 * multipart upload above one part and aborts it on failure). Skipped when the object already
 * carries the same metadata, so a retried job does not upload again.
 */
export async function uploadSif(
  client: S3Client,
  bucket: string,
  key: string,
  file: string,
  metadata: Record<string, string>,
  partSize = 64 * 1024 * 1024,
): Promise<'uploaded' | 'unchanged'> {
  if (carries(await s3SifLookup(client, bucket).metadata(key), metadata)) return 'unchanged';
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: 'application/octet-stream', Metadata: metadata },
    partSize,
    queueSize: 4,
  });
  await upload.done();
  return 'uploaded';
}
