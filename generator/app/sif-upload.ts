import { architectureOption, loadSettings } from './project.js';
import { sifBucket } from './published.js';
import { architectureNames } from '../settings/settings.js';
import type { SifBucket } from '../io/s3/sif-bucket.js';
import { carries } from '../sif/store.js';
import { progressSink, type Terminal } from './terminal.js';

/** What `sif upload` is asked. */
export interface SifUploadOptions {
  settings: string;
  /** The SIF file. */
  file: string;
  /** Its key in the settings' SIF bucket. */
  key: string;
  /** Stored as object metadata. */
  metadata: Record<string, string>;
  /** The architecture whose connection to the bucket is used (`--arch`); the primary one when undefined. */
  arch: string | undefined;
}

/**
 * Upload a SIF to the settings' SIF bucket with its identity as object metadata; returns the line
 * saying what happened. The bucket's retries go to the terminal's stderr.
 */
export async function uploadSifFromSettings(options: SifUploadOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<string> {
  const settings = await loadSettings(options.settings, environment);
  const arch = options.arch === undefined ? architectureNames(settings)[0]! : architectureOption(settings, options.arch);
  const bucket = await sifBucket(settings, arch, environment, progressSink(terminal));
  const outcome = await uploadSif(bucket, options.key, options.file, options.metadata);
  return outcome === 'uploaded'
    ? `uploaded ${options.file} to s3://${bucket.name}/${options.key}\n`
    : `s3://${bucket.name}/${options.key} already holds this container: not uploaded again\n`;
}

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
