import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { parseImageReference, registryEndpoint } from '../../generator/io/registry/reference.js';
import { pushTestImage, pushTestIndex, startRegistry, startTokenAuthProxy, type TestRegistry } from '../support/registry.js';
import { ignoreProgress } from '../support/progress.js';

describe('image references', () => {
  it('splits registry, repository and tag or digest the way Docker reads them', () => {
    expect(parseImageReference('docker.io/library/ubuntu:24.04')).toEqual({ registry: 'docker.io', repository: 'library/ubuntu', reference: '24.04' });
    expect(parseImageReference('ubuntu:24.04')).toEqual({ registry: 'docker.io', repository: 'library/ubuntu', reference: '24.04' });
    expect(parseImageReference('127.0.0.1:5000/a/b')).toEqual({ registry: '127.0.0.1:5000', repository: 'a/b', reference: 'latest' });
    expect(parseImageReference('r.example.org/a/b@sha256:00')).toEqual({ registry: 'r.example.org', repository: 'a/b', reference: 'sha256:00' });
    expect(registryEndpoint('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryEndpoint('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryEndpoint('registry.example.org')).toBe('https://registry.example.org');
  });
});

describe('RegistryClient against docker-registry', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => registry?.stop());

  it('reads digests and labels of images and of manifest-list entries, and tags', async () => {
    const amd = await pushTestImage(registry.endpoint, 'hpc/tool', '1.0', { labels: { 'org.spacktainers.x': 'a' } });
    const arm = await pushTestImage(registry.endpoint, 'hpc/tool', '1.0-arm64', { labels: { 'org.spacktainers.x': 'b' }, arch: 'arm64' });
    const list = await pushTestIndex(registry.endpoint, 'hpc/tool', 'multi', [
      { digest: amd, arch: 'amd64' },
      { digest: arm, arch: 'arm64' },
    ]);
    const client = new RegistryClient(registry.host, ignoreProgress);
    expect(await client.image('hpc/tool', '1.0', 'amd64')).toEqual({ digest: amd, labels: { 'org.spacktainers.x': 'a' } });
    expect(await client.image('hpc/tool', 'multi', 'arm64')).toEqual({ digest: list, labels: { 'org.spacktainers.x': 'b' } });
    expect(await client.image('hpc/tool', 'missing', 'amd64')).toBeUndefined();
    expect((await client.tags('hpc/tool'))?.sort()).toEqual(['1.0', '1.0-arm64', 'multi']);
    expect(await client.tags('hpc/none')).toBeUndefined();
  });

  it('re-tags a manifest keeping its digest', async () => {
    const digest = await pushTestImage(registry.endpoint, 'hpc/copy', 'latest-amd64');
    const client = new RegistryClient(registry.host, ignoreProgress);
    await client.putManifest('hpc/copy', 'branch-amd64', (await client.manifest('hpc/copy', 'latest-amd64'))!);
    expect((await client.image('hpc/copy', 'branch-amd64', 'amd64'))?.digest).toBe(digest);
  });

  it('follows a Bearer challenge, sending the credentials only to the token service', async () => {
    const credentials = { username: 'ci-user', password: 's3cr3t-password' };
    const proxy = await startTokenAuthProxy(registry.endpoint, credentials);
    try {
      const digest = await pushTestImage(registry.endpoint, 'hpc/private', '2.0', { labels: { a: 'b' } });
      const client = new RegistryClient(proxy.host, ignoreProgress, credentials);
      expect(await client.image('hpc/private', '2.0', 'amd64')).toEqual({ digest, labels: { a: 'b' } });
      const basic = Buffer.from('ci-user:s3cr3t-password').toString('base64');
      const withCredentials = proxy.requests.filter((r) => r.authorization?.includes(basic));
      expect(withCredentials.map((r) => r.url.split('?')[0])).toEqual(['/token']);
      expect(proxy.requests.some((r) => r.url.includes('s3cr3t'))).toBe(false);
      await expect(
        new RegistryClient(proxy.host, ignoreProgress, { username: 'ci-user', password: 'wrong' }).image('hpc/private', '2.0', 'amd64'),
      ).rejects.toThrow(/token service http:\/\/127\.0\.0\.1:\d+\/token answered 401$/);
    } finally {
      await proxy.stop();
    }
  });
});
