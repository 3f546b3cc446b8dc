import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Debian's `docker-registry` (the reference distribution server) on 127.0.0.1, random port,
 * temporary storage. Images are pushed through its HTTP API, so no Docker daemon is needed.
 */
export interface TestRegistry {
  /** host:port, as an image reference names it. */
  host: string;
  endpoint: string;
  /** Where it keeps its images (the `filesystem` storage driver's root directory). */
  storageDir: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Keep the images here, and leave them on stop (default: a temporary folder, removed on stop). */
  storageDir?: string;
  /** Listen on this port (default: a free one). */
  port?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The registry's configuration: deletes enabled (tests and branch cleanup delete tags), no cache. */
function registryConfig(storageDir: string, host: string): string {
  return [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${storageDir} }, delete: { enabled: true } }`,
    `http: { addr: "${host}" }`,
    '',
  ].join('\n');
}

/**
 * Remove the images no tag refers to from a registry's storage (`docker-registry
 * garbage-collect`), which must not be served while it runs.
 */
export async function collectRegistryGarbage(storageDir: string): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spacktainers-registry-'));
  try {
    const config = path.join(dir, 'config.yml');
    await writeFile(config, registryConfig(storageDir, '127.0.0.1:0'));
    await execFileAsync('/usr/bin/docker-registry', ['garbage-collect', '--delete-untagged', config], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spacktainers-registry-'));
  const storageDir = options.storageDir ?? path.join(dir, 'data');
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  await writeFile(config, registryConfig(storageDir, host));
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const endpoint = `http://${host}`;
  for (let attempt = 0; ; attempt++) {
    const ok = await fetch(`${endpoint}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (attempt > 100 || child.exitCode !== null) {
      child.kill();
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    host,
    endpoint,
    storageDir,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function pushBlob(endpoint: string, repository: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const start = await fetch(`${endpoint}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status}`);
  const location = new URL(start.headers.get('location')!, endpoint);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: new Uint8Array(data), headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return digest;
}

async function pushManifest(endpoint: string, repository: string, tag: string, manifest: object, mediaType: string): Promise<string> {
  const body = Buffer.from(JSON.stringify(manifest));
  const response = await fetch(`${endpoint}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    body: new Uint8Array(body),
    headers: { 'content-type': mediaType },
  });
  if (response.status !== 201) throw new Error(`manifest push ${repository}:${tag}: ${response.status} ${await response.text()}`);
  return sha256(body);
}

/**
 * Push a small single-architecture OCI image with the given config labels (one layer whose
 * bytes stand for the content; the registry only checks digests). Returns its digest.
 */
export async function pushTestImage(
  endpoint: string,
  repository: string,
  tag: string,
  options: { labels?: Record<string, string>; arch?: string; content?: string } = {},
): Promise<string> {
  const layer = Buffer.from(options.content ?? `${repository}:${tag}`);
  const layerDigest = await pushBlob(endpoint, repository, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.arch ?? 'amd64',
      os: 'linux',
      config: { Labels: options.labels ?? {} },
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const configDigest = await pushBlob(endpoint, repository, config);
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  return pushManifest(
    endpoint,
    repository,
    tag,
    {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
    },
    mediaType,
  );
}

/** Push an OCI index joining images already in `repository`, by digest and architecture. */
export async function pushTestIndex(endpoint: string, repository: string, tag: string, images: { digest: string; arch: string }[]): Promise<string> {
  const manifests = await Promise.all(
    images.map(async ({ digest, arch }) => {
      const response = await fetch(`${endpoint}/v2/${repository}/manifests/${digest}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      const size = (await response.arrayBuffer()).byteLength;
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size, platform: { architecture: arch, os: 'linux' } };
    }),
  );
  const mediaType = 'application/vnd.oci.image.index.v1+json';
  return pushManifest(endpoint, repository, tag, { schemaVersion: 2, mediaType, manifests }, mediaType);
}

/**
 * A token-authenticated front for a test registry, the way GitLab's and Docker Hub's work:
 * /v2/ answers 401 with a Bearer challenge; /token trades Basic credentials for a token.
 * Every request it sees is recorded, so tests can check where credentials travelled.
 */
export async function startTokenAuthProxy(
  backend: string,
  credentials: { username: string; password: string },
): Promise<{ host: string; requests: { url: string; authorization?: string | undefined }[]; stop(): Promise<void> }> {
  const { createServer: createHttpServer } = await import('node:http');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const token = `token-${Math.random().toString(36).slice(2)}`;
  const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const requests: { url: string; authorization?: string | undefined }[] = [];
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- a failing proxy request surfaces as the test's unhandled rejection
  const server = createHttpServer(async (request, response) => {
    requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
    if (request.url?.startsWith('/token')) {
      if (request.headers.authorization !== basic) return response.writeHead(401).end();
      return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
    }
    if (request.headers.authorization !== `Bearer ${token}`) {
      const scope = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(request.url ?? '')?.[1];
      return response
        .writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test-registry",scope="repository:${scope}:pull"` })
        .end();
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([k]) => !['host', 'authorization', 'connection', 'content-length'].includes(k)),
    ) as Record<string, string>;
    const body = chunks.length > 0 ? new Uint8Array(Buffer.concat(chunks)) : null;
    const upstream = await fetch(`${backend}${request.url}`, { method: request.method ?? 'GET', headers, body });
    const out = Buffer.from(await upstream.arrayBuffer());
    const passHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, key) => {
      if (key !== 'content-length' && key !== 'transfer-encoding') passHeaders[key] = value;
    });
    return response.writeHead(upstream.status, passHeaders).end(out);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { host, requests, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
