import { S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { SpacktainersError, failureMessage } from '../../errors.js';
import { connectionFailureKind, withRetry, type FailureKind, type ProgressSink, type RetryPolicy } from '../retry.js';

/** Where an S3 client connects, as settings `s3` (or a command's options) say. */
export interface S3Connection {
  /** An S3-compatible service's URL; AWS itself when undefined. */
  endpoint?: string | undefined;
  region: string;
  /** Names of the CI variables holding the access key pair (never the keys). */
  accessKeyVariable: string;
  secretKeyVariable: string;
}

export const RETRYABLE_S3_CODES = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'Throttling']);

/** Throttling, 5xx, a cut connection or a truncated body are worth retrying; a refusal is not. */
function s3FailureKind(error: unknown): FailureKind {
  if (error instanceof SpacktainersError) return 'permanent';
  if (RETRYABLE_S3_CODES.has((error as Error).name)) return 'transient';
  const status = (error as Partial<S3ServiceException>).$metadata?.httpStatusCode;
  if (status === undefined) return connectionFailureKind(error) ?? 'transient';
  return status >= 500 || status === 429 ? 'transient' : 'permanent';
}

function describeS3Failure(error: unknown): string {
  const status = (error as Partial<S3ServiceException>).$metadata?.httpStatusCode;
  const message = failureMessage(error);
  return status === undefined ? message : `HTTP ${status} ${(error as Error).name}: ${message}`;
}

/** How an S3 call is retried and where its progress lines go. */
export interface S3Retry {
  policy: RetryPolicy;
  log: ProgressSink;
}

/**
 * One S3 call under the shared retry policy; its last failure becomes one line naming the bucket
 * and the call, with a hint at the endpoint when no answer came. With `answersAsThrown`, an
 * answer (a 404, a refusal) reaches the caller in S3's words with its status, for callers that
 * read the status; the line names no call, so it is printed after the command's name.
 */
export async function s3Call<T>(bucket: string, what: string, operation: () => Promise<T>, retry: S3Retry, answersAsThrown = false): Promise<T> {
  try {
    return await withRetry(`s3://${bucket}: ${what}`, operation, { ...retry, kind: s3FailureKind, describe: describeS3Failure });
  } catch (error) {
    if (error instanceof SpacktainersError) throw error;
    const status = (error as Partial<S3ServiceException>).$metadata?.httpStatusCode;
    if (answersAsThrown && status !== undefined) {
      const said = `S3 answered HTTP ${status} ${(error as Error).name}: ${(error as Error).message.split('\n', 1)[0]!}`;
      throw new SpacktainersError('system', said, { status, cause: error, hint: 'check the bucket names and the credentials in settings s3' });
    }
    const hint = connectionFailureKind(error) === undefined ? undefined : 'check the S3 endpoint (settings s3.endpoint, or --endpoint)';
    throw new SpacktainersError('service', `s3://${bucket}: ${what}: ${describeS3Failure(error)}`, { status, hint, cause: error });
  }
}

/**
 * An S3 client with the keys read from the variables the connection names; without them the
 * SDK's default chain applies. A custom endpoint is addressed path-style, which every S3
 * implementation serves. Every command goes through s3Call (the SDK's own silent retries are
 * off), unless `retry` is false for a caller that wraps its calls itself.
 */
export function s3Client(connection: S3Connection, environment: NodeJS.ProcessEnv, retry: S3Retry | false): S3Client {
  const accessKeyId = environment[connection.accessKeyVariable];
  const secretAccessKey = environment[connection.secretKeyVariable];
  const client = new S3Client({
    ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
    region: connection.region,
    forcePathStyle: connection.endpoint !== undefined,
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    maxAttempts: 1,
  });
  if (retry) {
    // Outermost, so a retry signs again; bodies reach commands as buffers (lib-storage cuts a
    // file into parts), so a command can be sent twice.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Bucket?: string; Key?: string };
        const what = `${context.commandName ?? 'request'}${input.Key === undefined ? '' : ` ${input.Key}`}`;
        return s3Call(input.Bucket ?? '(no bucket)', what, () => next(args), retry, true);
      },
      { step: 'initialize', name: 'spacktainersRetry', priority: 'high' },
    );
  }
  // The SDK says "Could not load credentials from any providers"; the user needs the names to set.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name !== 'CredentialsProviderError') throw error;
        throw new SpacktainersError(
          'service',
          `S3: no credentials: set the CI variables ${connection.accessKeyVariable} and ${connection.secretKeyVariable} ` +
            '(named by settings s3 for this bucket and architecture; docs/settings.md)',
          { cause: error },
        );
      }
    },
    { step: 'initialize', name: 'spacktainersMissingCredentials' },
  );
  return client;
}
