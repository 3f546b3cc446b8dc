import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { s3Client, type S3Connection } from '../s3/client.js';
import type { Bucket, ListedObject } from './bucket.js';

/** S3 refuses more keys than this in one DeleteObjects request. */
export const DELETE_BATCH = 1000;

export interface RetryPolicy {
  attempts: number;
  /** First backoff in ms; it doubles each attempt (with full jitter), capped at 20 s. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 200 };

const RETRYABLE_CODES = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'Throttling']);

/** Server-side trouble (throttling, 5xx, a cut connection or a truncated body): worth retrying. */
export function isRetryable(error: unknown): boolean {
  const status = (error as S3ServiceException).$metadata?.httpStatusCode;
  if (RETRYABLE_CODES.has((error as Error).name)) return true;
  if (status === undefined) return true;
  return status >= 500 || status === 429;
}

export class S3Bucket implements Bucket {
  requests = 0;

  constructor(
    private readonly client: S3Client,
    private readonly name: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async list(prefix: string, options: { delimiter?: string } = {}): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(() =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, Delimiter: options.delimiter, ContinuationToken: token }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.LastModified === undefined) throw new Error(`listing of ${prefix}: object without key or date`);
        objects.push({ key: object.Key, lastModified: object.LastModified, size: object.Size ?? 0 });
      }
      if (page.IsTruncated && !page.NextContinuationToken) throw new Error(`listing of ${prefix}: truncated without a continuation token`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.send(async () => {
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
    await this.send(() => this.client.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body, ContentType: contentType })));
  }

  async delete(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      let batch = keys.slice(start, start + DELETE_BATCH);
      for (let attempt = 1; batch.length > 0; attempt++) {
        const response = await this.send(() =>
          this.client.send(
            new DeleteObjectsCommand({
              Bucket: this.name,
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
          ),
        );
        const failed = response.Errors ?? [];
        const fatal = failed.find((error) => !RETRYABLE_CODES.has(error.Code ?? ''));
        if (fatal) throw new Error(`deleting ${fatal.Key}: ${fatal.Code} ${fatal.Message ?? ''}`.trim());
        batch = failed.map((error) => error.Key!);
        if (batch.length > 0 && attempt >= this.retry.attempts) {
          throw new Error(`deleting ${batch.length} keys: still throttled after ${attempt} attempts`);
        }
        if (batch.length > 0) await this.backoff(attempt);
      }
    }
  }

  private async send<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      try {
        return await operation();
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retry.attempts) throw error;
        await this.backoff(attempt);
      }
    }
  }

  private backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(20_000, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
}

/**
 * A client for the build-cache bucket. The SDK's own retries are off: S3Bucket retries, counts
 * and backs off.
 */
export function buildCacheClient(connection: S3Connection, environment: NodeJS.ProcessEnv): S3Client {
  return s3Client(connection, environment, { maxAttempts: 1 });
}
