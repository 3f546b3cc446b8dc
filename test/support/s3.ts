import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** A throwaway S3 server on loopback with a client for it (path-style, dummy credentials). */
export interface TestS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  client: S3Client;
  /** Where s3rver keeps the objects (one folder per bucket). */
  directory: string;
  /** Make `key` look `days` old to ListObjectsV2 (s3rver reports the file's mtime). */
  age(bucket: string, key: string, days: number, now?: number): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export function testS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
}

/**
 * s3rver 3.7 answers a PUT once it has read the body, before the file holds it
 * (`lib/stores/filesystem.js` resolves on the reading side's 'finish'), so a GET right after a
 * PUT could read a truncated object, seen under load as a truncated index. S3 answers a PUT when
 * the object is whole: wait for the bytes before answering.
 */
function answerPutsWhenWritten(server: S3rver): void {
  const { store } = server;
  const putObject = store.putObject.bind(store);
  store.putObject = async (object) => {
    const result = await putObject(object);
    const file = store.getResourcePath(object.bucket, object.key, 'object');
    // A later PUT or a DELETE of the same key may replace or remove the file meanwhile.
    const written = async () => (await stat(file).catch(() => undefined))?.size ?? result.size;
    while ((await written()) < result.size) await new Promise((resolve) => setTimeout(resolve, 1));
    return result;
  };
}

/**
 * Start s3rver on 127.0.0.1 at a random port, storing in a fresh temporary folder; `seed` may
 * write objects into that folder (s3rver's file layout) before the server starts.
 */
export async function startS3(options: { buckets?: string[]; seed?: (directory: string) => Promise<void> } = {}): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  await options.seed?.(directory);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  answerPutsWhenWritten(server);
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = testS3Client(endpoint);
  return {
    endpoint,
    client,
    directory,
    async age(bucket, key, days, now = Date.now()) {
      const when = new Date(now - days * 86_400_000);
      const parts = key.split('/');
      const name = `${parts.pop()}._S3rver_object`;
      await utimes(path.join(directory, bucket, ...parts, name), when, when);
    },
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
