import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ModuleFile } from '../../modules/modulefile.js';

/**
 * Put module files and wrappers into the SIF bucket at their paths below the cluster root.
 * S3 keeps no file modes; s3cmd's own metadata carries them, so `s3cmd sync --preserve`
 * installs the wrappers executable.
 */
export async function uploadModuleFiles(client: S3Client, bucket: string, files: ModuleFile[], metadata: Record<string, string>): Promise<void> {
  for (const file of files) {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: file.path,
        Body: file.text,
        ContentType: file.path.endsWith('.lua') ? 'text/x-lua' : 'text/plain',
        Metadata: { ...metadata, 's3cmd-attrs': `mode:${0o100000 | file.mode}` },
      }),
    );
  }
}
