import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Debian's docker-registry (the reference OCI distribution server) on a loopback port, with
 * deletes enabled and its storage in a throw-away folder.
 */
export class DockerRegistry {
  url = '';
  private process?: ChildProcess;
  private dir = '';

  async start(): Promise<string> {
    execSync('command -v docker-registry >/dev/null || apt-get install -y docker-registry >/dev/null', { stdio: 'ignore' });
    this.dir = await mkdtemp(path.join(tmpdir(), 'spacktainers-registry-'));
    const port = await freePort();
    const config = path.join(this.dir, 'config.yml');
    await writeFile(config, [
      'version: 0.1',
      'log: {level: error}',
      `storage: {filesystem: {rootdirectory: ${path.join(this.dir, 'data')}}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${port}"}`,
      '',
    ].join('\n'));
    this.process = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    this.url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${this.url}/v2/`).then((r) => r.ok, () => false)) return this.url;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('docker-registry did not start (apt-get install -y docker-registry)');
  }

  async stop(): Promise<void> {
    this.process?.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Push a one-blob OCI image whose content is `content`, and tag it; returns its digest. */
  async push(repository: string, tag: string, content: string): Promise<string> {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { content } }, rootfs: { type: 'layers', diff_ids: [] } }));
    const configDigest = await this.uploadBlob(repository, config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [],
    });
    const response = await fetch(`${this.url}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    if (response.status !== 201) throw new Error(`push ${repository}:${tag}: HTTP ${response.status} ${await response.text()}`);
    return response.headers.get('docker-content-digest')!;
  }

  private async uploadBlob(repository: string, blob: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const start = await fetch(`${this.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location')!, this.url);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(blob) });
    if (put.status !== 201) throw new Error(`upload blob to ${repository}: HTTP ${put.status}`);
    return digest;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
