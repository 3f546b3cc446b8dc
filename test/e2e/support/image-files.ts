import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const MANIFESTS = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

/** The paths in an image's layers, read from the registry's blobs (what a pull would unpack). */
export async function imageFiles(endpoint: string, repository: string, tag: string): Promise<Set<string>> {
  const response = await fetch(`${endpoint}/v2/${repository}/manifests/${tag}`, { headers: { accept: MANIFESTS } });
  if (!response.ok) throw new Error(`${repository}:${tag}: the registry answered ${response.status}`);
  const manifest = (await response.json()) as { layers: { digest: string }[] };
  const dir = await mkdtemp(path.join(tmpdir(), 'spacktainers-layer-'));
  const files = new Set<string>();
  try {
    for (const layer of manifest.layers) {
      const blob = await fetch(`${endpoint}/v2/${repository}/blobs/${layer.digest}`);
      const file = path.join(dir, 'layer');
      await writeFile(file, new Uint8Array(await blob.arrayBuffer()));
      // GNU tar recognises gzip and zstd layers by their first bytes.
      const { stdout } = await exec('tar', ['-tf', file], { maxBuffer: 256 * 1024 * 1024 });
      for (const entry of stdout.split('\n')) if (entry) files.add(entry.replace(/^\.\//, '').replace(/\/$/, ''));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return files;
}

/** The config labels of an image. */
export async function imageLabels(endpoint: string, repository: string, tag: string): Promise<Record<string, string> | undefined> {
  const response = await fetch(`${endpoint}/v2/${repository}/manifests/${tag}`, { headers: { accept: MANIFESTS } });
  if (response.status === 404) return undefined;
  const manifest = (await response.json()) as { config: { digest: string } };
  const config = (await (await fetch(`${endpoint}/v2/${repository}/blobs/${manifest.config.digest}`)).json()) as {
    config?: { Labels?: Record<string, string> };
  };
  return config.config?.Labels ?? {};
}

export async function registryTags(endpoint: string, repository: string): Promise<string[]> {
  const response = await fetch(`${endpoint}/v2/${repository}/tags/list`);
  if (response.status === 404) return [];
  return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
}
