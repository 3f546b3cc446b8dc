/**
 * An image reference split the way the distribution API needs it: which registry to ask,
 * which repository, and which tag or digest.
 */
export interface ImageReference {
  /** Registry host as written (`registry.example.org`, `127.0.0.1:5000`, `docker.io`). */
  registry: string;
  repository: string;
  /** A tag, or a digest (`sha256:...`). */
  reference: string;
}

const DOCKER_HUB = 'docker.io';

/**
 * Parse `host/path/name:tag`, `host/path/name@sha256:...` or a Docker Hub short name
 * (`ubuntu:24.04` is `docker.io/library/ubuntu:24.04`, as Docker reads it).
 */
export function parseImageReference(text: string): ImageReference {
  let rest = text;
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasRegistry ? first : DOCKER_HUB;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, reference };
}

/**
 * The API endpoint of a registry host. Docker Hub serves its API on another host; loopback
 * registries speak plain HTTP, as Docker and buildah assume for them.
 */
export function registryEndpoint(registry: string): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  const host = registry.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  return `${loopback ? 'http' : 'https'}://${registry}`;
}
