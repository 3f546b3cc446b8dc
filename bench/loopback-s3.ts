import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver on 127.0.0.1 serving `directory`, and a client for it with the SDK's retries off. */
export async function loopbackS3(directory: string): Promise<{ client: S3Client; close: () => Promise<void> }> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
  });
  return {
    client,
    async close() {
      client.destroy();
      await server.close();
    },
  };
}
