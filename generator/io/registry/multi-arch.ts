import type { Manifest, RegistryClient } from './client.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** One architecture's image to join under a multi-arch tag. */
export interface ArchitectureImage {
  /** The OCI platform architecture its config names and the index lists it under. */
  platform: string;
  /** Its own tag in the same repository (for the primary architecture, the multi-arch tag itself until joined). */
  tag: string;
}

export type JoinOutcome = 'joined' | 'unchanged' | 'incomplete';

/**
 * Make `tag` an OCI index of the architectures' images, so `docker pull <image>:<tag>` picks
 * the right one. The primary architecture's image carries the plain tag, so once joined that
 * tag names the index and that image is found through it (look-ups resolve an index per platform).
 * Idempotent: an index that already lists the same digests is left alone; an architecture
 * whose image is missing leaves everything as it is.
 */
export async function joinArchitectures(client: RegistryClient, repository: string, tag: string, images: ArchitectureImage[]): Promise<JoinOutcome> {
  const current = await client.manifest(repository, tag);
  const entries = [];
  for (const { platform, tag: archTag } of images) {
    const manifest = archTag === tag ? current : await client.manifest(repository, archTag);
    const entry = manifest && entryFor(manifest, platform);
    if (!entry) return 'incomplete';
    if (entry.digest !== manifest.digest) {
      // Already joined: the entry came out of the index; its manifest is fetched for its size.
      const image = await client.manifest(repository, entry.digest);
      if (!image) return 'incomplete';
      entries.push(indexEntry(image, platform));
    } else entries.push(indexEntry(manifest, platform));
  }
  const listed = current?.body.manifests?.map((m) => m.digest);
  if (listed?.length === entries.length && entries.every((e) => listed.includes(e.digest))) return 'unchanged';
  const body = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries };
  const bytes = Buffer.from(JSON.stringify(body));
  await client.putManifest(repository, tag, { digest: '', mediaType: OCI_INDEX, bytes, body });
  return 'joined';
}

/** The image of `platform` a manifest stands for: itself, or its entry when it is an index. */
function entryFor(manifest: Manifest, platform: string): { digest: string } | undefined {
  if (!manifest.body.manifests) return { digest: manifest.digest };
  return manifest.body.manifests.find((m) => m.platform?.architecture === platform);
}

function indexEntry(image: Manifest, platform: string) {
  return { mediaType: image.mediaType, digest: image.digest, size: image.bytes.length, platform: { architecture: platform, os: 'linux' } };
}
