import { InputError } from '../input/errors.js';
import { loadSettings } from '../io/fs/settings.js';
import { SifBucket } from '../io/s3/sif-bucket.js';

/** What `sif upload` is asked. */
export interface SifUploadOptions {
  settings: string;
  /** The SIF file. */
  file: string;
  /** Its key in the settings' SIF bucket. */
  key: string;
  /** `key=value` entries, stored as object metadata. */
  metadata: string[];
}

/** Upload a SIF with its identity as object metadata, unless the bucket holds it already; returns the line saying which. */
export async function uploadSif(options: SifUploadOptions, environment: NodeJS.ProcessEnv): Promise<string> {
  const settings = await loadSettings(options.settings, environment);
  const metadata: Record<string, string> = {};
  for (const entry of options.metadata) {
    const match = /^([a-z0-9-]+)=(.+)$/.exec(entry);
    if (!match) throw new InputError({ file: '--metadata', key: entry }, 'expected key=value with a lowercase key of letters, digits and -');
    metadata[match[1]!] = match[2]!;
  }
  const bucket = SifBucket.fromSettings(settings, environment);
  const outcome = await bucket.upload(options.key, options.file, metadata);
  return outcome === 'uploaded'
    ? `uploaded ${options.file} to s3://${bucket.name}/${options.key}\n`
    : `s3://${bucket.name}/${options.key} already holds this container: not uploaded again\n`;
}
