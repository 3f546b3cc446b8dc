import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Settings } from '../settings/settings.js';

/** Where SIF images are kept: what branch cleanup reads and deletes. */
export interface SifStore {
  list(): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/** The settings' SIF bucket, reached with the credentials in the CI variables the settings name. */
export class S3SifStore implements SifStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  static fromSettings(settings: Settings, environment: NodeJS.ProcessEnv): S3SifStore {
    const accessKeyId = environment[settings.s3.accessKeyVariable];
    const secretAccessKey = environment[settings.s3.secretKeyVariable];
    const client = new S3Client({
      endpoint: settings.s3.endpoint,
      region: settings.s3.region,
      forcePathStyle: true,
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    });
    return new S3SifStore(client, settings.s3.sifBucket);
  }

  async list(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key?.endsWith('.sif') ? [o.Key] : [])));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
