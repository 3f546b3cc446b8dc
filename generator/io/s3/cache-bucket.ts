import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RETRYABLE_S3_CODES, s3Call, s3Client, type S3Connection } from './client.js';
import type { Bucket, ListedObject } from '../../cache/bucket.js';
import { SpacktainersError } from '../../errors.js';
import { DEFAULT_RETRY, pauseBeforeRetry, type ProgressSink, type RetryPolicy } from '../retry.js';

/** S3 refuses more keys than this in one DeleteObjects request. */
const DELETE_BATCH = 1000;

export class S3Bucket implements Bucket {
  requests = 0;

  constructor(
    private readonly client: S3Client,
    private readonly name: string,
    /** Where retries are reported, one line each. */
    private readonly log: ProgressSink,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async list(prefix: string, options: { delimiter?: string } = {}): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(`list ${prefix}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, Delimiter: options.delimiter, ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.LastModified === undefined)
          throw new SpacktainersError('service', `listing of ${prefix}: object without key or date`);
        objects.push({ key: object.Key, lastModified: object.LastModified, size: object.Size ?? 0 });
      }
      if (page.IsTruncated && !page.NextContinuationToken)
        throw new SpacktainersError('service', `listing of ${prefix}: truncated without a continuation token`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.send(`get ${key}`, async () => {
      try {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
        return await response.Body!.transformToByteArray();
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return undefined;
        throw error;
      }
    });
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.send(`put ${key}`, () => this.client.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ContentType: contentType })));
  }

  async delete(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      let batch = keys.slice(start, start + DELETE_BATCH);
      for (let attempt = 1; batch.length > 0; attempt++) {
        const response = await this.send(`delete ${batch.length} keys`, () =>
          this.client.send(
            new DeleteObjectsCommand({
              Bucket: this.name,
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
          ),
        );
        const failed = response.Errors ?? [];
        const fatal = failed.find((error) => !RETRYABLE_S3_CODES.has(error.Code ?? ''));
        if (fatal) throw new SpacktainersError('service', `s3://${this.name}: delete ${fatal.Key}: ${fatal.Code} ${fatal.Message ?? ''}`.trim());
        batch = failed.map((error) => error.Key!);
        if (batch.length > 0 && attempt >= this.retry.attempts) {
          throw new SpacktainersError('service', `s3://${this.name}: delete ${batch.length} keys: still throttled after ${attempt} attempts; run again later`);
        }
        if (batch.length > 0) {
          const what = `s3://${this.name}: delete ${batch.length} keys`;
          await pauseBeforeRetry({ what, attempt, attempts: this.retry.attempts, cause: 'throttled' }, { policy: this.retry, log: this.log });
        }
      }
    }
  }

  private async send<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const counted = () => {
      this.requests++;
      return operation();
    };
    return s3Call(this.name, what, counted, { policy: this.retry, log: this.log });
  }
}

/** A client for the build-cache bucket, whose calls S3Bucket retries, counts and backs off itself. */
export function buildCacheClient(connection: S3Connection, environment: NodeJS.ProcessEnv): S3Client {
  return s3Client(connection, environment, false);
}
