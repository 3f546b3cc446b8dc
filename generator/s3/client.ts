import { S3Client } from '@aws-sdk/client-s3';
import { ServiceError } from '../errors.js';

/** Where an S3 client connects, as settings `s3` (or a command's options) say. */
export interface S3Connection {
  /** An S3-compatible service's URL; AWS itself when undefined. */
  endpoint?: string;
  region: string;
  /** Names of the CI variables holding the access key pair (never the keys). */
  accessKeyVariable: string;
  secretKeyVariable: string;
}

/**
 * An S3 client with the keys read from the variables the connection names; without them the
 * SDK's default chain applies. A custom endpoint is addressed path-style, which every S3
 * implementation serves.
 */
export function s3Client(connection: S3Connection, environment: NodeJS.ProcessEnv, options: { maxAttempts?: number } = {}): S3Client {
  const accessKeyId = environment[connection.accessKeyVariable];
  const secretAccessKey = environment[connection.secretKeyVariable];
  const client = new S3Client({
    endpoint: connection.endpoint,
    region: connection.region,
    forcePathStyle: connection.endpoint !== undefined,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
  // The SDK says "Could not load credentials from any providers"; the user needs the names to set.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name !== 'CredentialsProviderError') throw error;
        throw new ServiceError(
          `S3: no credentials: set the CI variables ${connection.accessKeyVariable} and ${connection.secretKeyVariable} ` +
            '(named by settings s3.accessKeyVariable and s3.secretKeyVariable)',
          { cause: error },
        );
      }
    },
    { step: 'initialize', name: 'spacktainersMissingCredentials' },
  );
  return client;
}
