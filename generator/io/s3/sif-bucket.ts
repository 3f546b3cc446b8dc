import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { SifLookup, SifStore } from '../../sif/store.js';
import { s3Client, type S3Connection } from './client.js';
import { DEFAULT_RETRY, type ProgressSink } from '../retry.js';
import { transferProgress } from '../transfer-progress.js';
import { SpacktainersError } from '../../errors.js';

/** S3 copies an object in one request up to 5 GiB; larger SIFs are converted again instead. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;

/** The SIF bucket: what the generator looks up, the SIF jobs upload and branch cleanup deletes. */
export class SifBucket implements SifLookup, SifStore {
  constructor(
    readonly client: S3Client,
    readonly name: string,
    /** Where an upload's progress goes (retries go to the client's sink). */
    readonly log: ProgressSink,
  ) {}

  /** The bucket `name` through `connection`, with the credentials in the CI variables it names; retries and upload progress are reported to `log`. */
  static connect(connection: S3Connection, name: string, environment: NodeJS.ProcessEnv, log: ProgressSink): SifBucket {
    return new SifBucket(s3Client(connection, environment, { policy: DEFAULT_RETRY, log }), name, log);
  }

  async metadata(key: string): Promise<Record<string, string> | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }));
      return head.Metadata ?? {};
    } catch (error) {
      if (error instanceof SpacktainersError && error.status === 404) return undefined;
      throw error;
    }
  }

  async copy(from: string, to: string): Promise<boolean> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: from }));
    if ((head.ContentLength ?? 0) > MAX_SINGLE_COPY_BYTES) return false;
    await this.client.send(new CopyObjectCommand({ Bucket: this.name, Key: to, CopySource: `${this.name}/${encodeURI(from)}`, MetadataDirective: 'COPY' }));
    return true;
  }

  /**
   * Upload a SIF with its metadata, in parts for large files (lib-storage switches to a
   * multipart upload above one part and aborts it on failure), reporting its progress as the
   * parts are sent: a SIF takes minutes to upload, and a job's log said nothing meanwhile.
   */
  async upload(key: string, file: string, metadata: Record<string, string>, partSize = 64 * 1024 * 1024): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.name, Key: key, Body: createReadStream(file), ContentType: 'application/octet-stream', Metadata: metadata },
      partSize,
      queueSize: 4,
    });
    // One part is one request, whose progress is only its end: a line then would say nothing.
    const size = (await stat(file)).size;
    if (size > partSize) {
      const progress = transferProgress(`upload ${file} to s3://${this.name}/${key}`, size, this.log);
      upload.on('httpUploadProgress', ({ loaded }) => progress(loaded ?? 0));
    }
    await upload.done();
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
