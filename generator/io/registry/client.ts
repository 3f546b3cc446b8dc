import { createHash } from 'node:crypto';
import type { PublishedImage } from '../../registry/lookup.js';
import { registryEndpoint } from './reference.js';
import { connectionFailureKind, DEFAULT_RETRY, withRetry, type FailureKind, type ProgressSink, type RetryPolicy } from '../retry.js';
import { SpacktainersError, failureMessage } from '../../errors.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** A manifest as the registry stores it: its bytes are what a copy must PUT unchanged. */
export interface Manifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  body: ManifestBody;
}

interface ManifestBody {
  mediaType?: string;
  config?: { digest: string };
  manifests?: { digest: string; platform?: { architecture?: string; os?: string } }[];
}

/** Throttling and 5xx answers, and connections that may come back, are worth another try. */
function registryFailureKind(error: unknown): FailureKind {
  const status = (error as SpacktainersError).status;
  if (status !== undefined) return 'transient';
  return connectionFailureKind((error as Error).cause) ?? 'permanent';
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

type Access = 'pull' | 'pull,push' | 'pull,delete';

/**
 * A client of the OCI distribution API (what every registry serves under /v2/), enough to
 * read manifests, labels and tags, to re-tag a manifest and to delete one. Authentication follows the
 * registry's WWW-Authenticate challenge: a Bearer token from its token service (asked with
 * the credentials, if any) or Basic. Credentials only ever go into request headers.
 */
export class RegistryClient {
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly registry: string,
    /** Where retries are reported, one line each. */
    private readonly log: ProgressSink,
    private readonly credentials?: RegistryCredentials,
    private readonly fetchImpl: typeof fetch = fetch,
    /** Where its API is served, when not where the host name says (see registryEndpoint). */
    private readonly endpoint = registryEndpoint(registry),
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** The digest a tag points to (a HEAD request, which registries do not rate-limit), if any. */
  async digest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.request(repository, 'pull', `/manifests/${reference}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES.join(', ') },
    });
    if (response.status === 404) return undefined;
    await this.expectOk(response, `manifest ${repository}:${reference}`);
    return response.headers.get('docker-content-digest') ?? (await this.manifest(repository, reference))?.digest;
  }

  /** The manifest at a tag or digest, or undefined when the registry has none. */
  async manifest(repository: string, reference: string): Promise<Manifest | undefined> {
    const response = await this.request(repository, 'pull', `/manifests/${reference}`, {
      headers: { accept: MANIFEST_TYPES.join(', ') },
    });
    if (response.status === 404) return undefined;
    await this.expectOk(response, `manifest ${repository}:${reference}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const body = JSON.parse(bytes.toString('utf8')) as ManifestBody;
    const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const mediaType = body.mediaType ?? response.headers.get('content-type') ?? MANIFEST_TYPES[2]!;
    return { digest, mediaType, bytes, body };
  }

  /**
   * Digest and labels of the image at a tag. A manifest list or OCI index is resolved to its
   * entry for `architecture`; its own digest is reported, since that is what the tag names.
   */
  async image(repository: string, reference: string, architecture: string): Promise<PublishedImage | undefined> {
    const manifest = await this.manifest(repository, reference);
    if (!manifest) return undefined;
    let image = manifest;
    if (manifest.body.manifests) {
      const entry = manifest.body.manifests.find((m) => m.platform?.architecture === architecture);
      if (!entry) return { digest: manifest.digest, labels: {} };
      const resolved = await this.manifest(repository, entry.digest);
      if (!resolved) throw new SpacktainersError('service', `${this.registry}/${repository}: ${entry.digest} is listed in ${reference} but missing`);
      image = resolved;
    }
    const config = image.body.config;
    if (!config) return { digest: manifest.digest, labels: {} };
    const response = await this.request(repository, 'pull', `/blobs/${config.digest}`, {});
    await this.expectOk(response, `config blob ${repository}@${config.digest}`);
    const blob = (await response.json()) as { config?: { Labels?: Record<string, string> | null } };
    return { digest: manifest.digest, labels: blob.config?.Labels ?? {} };
  }

  /**
   * Every tag of a repository, following the registry's pages, or undefined when the repository
   * does not exist. A repository we may not read is a SpacktainersError with its status.
   */
  async tags(repository: string): Promise<string[] | undefined> {
    const tags: string[] = [];
    let next: string | undefined = '/tags/list';
    while (next) {
      const response = await this.request(repository, 'pull', next, {});
      if (response.status === 404) return undefined;
      await this.expectOk(response, `tags of ${repository}`);
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      // RFC 5988 link to the next page, e.g. </v2/repo/tags/list?last=x&n=100>; rel="next".
      const link = /<[^>]*\/tags\/list([^>]*)>;\s*rel="?next"?/.exec(response.headers.get('link') ?? '');
      next = link ? `/tags/list${link[1]}` : undefined;
    }
    return tags;
  }

  /** Store `manifest` under `tag` in the same repository: a copy that keeps the digest. */
  async putManifest(repository: string, tag: string, manifest: Manifest): Promise<void> {
    const response = await this.request(repository, 'pull,push', `/manifests/${tag}`, {
      method: 'PUT',
      headers: { 'content-type': manifest.mediaType },
      body: new Uint8Array(manifest.bytes),
    });
    await this.expectOk(response, `push manifest ${repository}:${tag}`);
  }

  /** Delete the manifest with `digest`: the registry drops every tag that points to it. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.request(repository, 'pull,delete', `/manifests/${digest}`, { method: 'DELETE' });
    await this.expectOk(response, `delete manifest ${repository}@${digest}`);
  }

  private async request(repository: string, access: Access, suffix: string, init: RequestInit): Promise<Response> {
    const url = `${this.endpoint}/v2/${repository}${suffix}`;
    const what = `${this.registry}: ${init.method ?? 'GET'} /v2/${repository}${suffix}`;
    const scope = `repository:${repository}:${access}`;
    const attempt = async (authorization?: string) => {
      const response = await this.fetchImpl(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...(authorization ? { authorization } : {}) },
      }).catch((error: Error) => {
        throw new SpacktainersError('service', `${this.registry}: cannot reach ${this.endpoint}: ${failureMessage(error)}`, { cause: error });
      });
      if (response.status !== 429 && response.status < 500) return response;
      const text = await response.text().catch(() => '');
      throw new SpacktainersError('service', `${what}: HTTP ${response.status} ${text.slice(0, 200)}`.trim(), { status: response.status });
    };
    const send = (authorization?: string) =>
      withRetry(what, () => attempt(authorization), {
        policy: this.retry,
        kind: registryFailureKind,
        describe: (error) => ((error as SpacktainersError).status === undefined ? failureMessage(error) : `HTTP ${(error as SpacktainersError).status}`),
        log: this.log,
      });
    const cached = this.tokens.get(scope);
    const response = await send(cached);
    if (response.status !== 401) return response;
    const challenge = response.headers.get('www-authenticate') ?? '';
    await response.body?.cancel();
    const authorization = await this.authorize(challenge, scope);
    if (!authorization) return response;
    this.tokens.set(scope, authorization);
    return send(authorization);
  }

  /** The Authorization header that answers a WWW-Authenticate challenge, if we can. */
  private async authorize(challenge: string, scope: string): Promise<string | undefined> {
    const scheme = challenge.split(/\s+/, 1)[0]?.toLowerCase();
    const basic = this.credentials ? `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}` : undefined;
    if (scheme === 'basic') return basic;
    if (scheme !== 'bearer') return undefined;
    const parameters = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    if (!parameters.realm) throw new SpacktainersError('service', `${this.registry}: Bearer challenge without realm`);
    const tokenUrl = new URL(parameters.realm);
    if (parameters.service) tokenUrl.searchParams.set('service', parameters.service);
    tokenUrl.searchParams.set('scope', scope);
    const response = await this.fetchImpl(tokenUrl, { headers: basic ? { authorization: basic } : {} }).catch((error: Error) => {
      throw new SpacktainersError('system', failureMessage(error), { cause: error });
    });
    // Never include the response body or the credentials: only the status says what failed.
    if (!response.ok)
      throw new SpacktainersError('service', `${this.registry}: token service ${tokenUrl.origin}${tokenUrl.pathname} answered ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new SpacktainersError('service', `${this.registry}: token service returned no token`);
    return `Bearer ${token}`;
  }

  private async expectOk(response: Response, what: string): Promise<void> {
    if (response.ok) return;
    const text = await response.text().catch(() => '');
    throw new SpacktainersError('service', `${this.registry}: ${what}: HTTP ${response.status} ${text.slice(0, 200)}`.trim(), { status: response.status });
  }
}
