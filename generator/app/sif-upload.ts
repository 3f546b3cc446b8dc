import type { SifBucket } from '../io/s3/sif-bucket.js';
import { carries } from '../sif/store.js';

/**
 * Upload a SIF to the bucket with its metadata, unless the object already carries the same
 * metadata, so a retried job does not upload again.
 */
export async function uploadSif(
  bucket: SifBucket,
  key: string,
  file: string,
  metadata: Record<string, string>,
  partSize?: number,
): Promise<'uploaded' | 'unchanged'> {
  if (carries(await bucket.metadata(key), metadata)) return 'unchanged';
  await bucket.upload(key, file, metadata, partSize);
  return 'uploaded';
}
