import { GitlabError } from '../gitlab/errors.js';

/** Where container images are tagged: what branch cleanup reads and deletes. */
export interface ContainerTagStore {
  listTags(repository: string): Promise<string[]>;
  /** Content digest the tag points to; deleting it deletes every tag on that digest. */
  digest(repository: string, tag: string): Promise<string>;
  deleteManifest(repository: string, digest: string): Promise<void>;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * A registry over the OCI distribution API (GitLab's container registry, Docker's registry):
 * basic credentials, exchanged for a bearer token when the registry asks for one.
 */
export class OciTagStore implements ContainerTagStore {
  private tokens = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly credentials?: { user: string; password: string },
  ) {}

  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    while (next) {
      const response = await this.request('GET', next, repository);
      if (response.status === 404) return tags;
      await expectOk(response, `list the tags of ${repository}`);
      tags.push(...(((await response.json()) as { tags?: string[] | null }).tags ?? []));
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return tags;
  }

  async digest(repository: string, tag: string): Promise<string> {
    const response = await this.request('HEAD', `/v2/${repository}/manifests/${encodeURIComponent(tag)}`, repository);
    await expectOk(response, `read the digest of ${repository}:${tag}`);
    const digest = response.headers.get('docker-content-digest');
    if (!digest) throw new GitlabError(`the registry gave no digest for ${repository}:${tag}`);
    return digest;
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.request('DELETE', `/v2/${repository}/manifests/${digest}`, repository);
    await expectOk(response, `delete ${repository}@${digest}`);
  }

  private async request(method: string, pathAndQuery: string, repository: string): Promise<Response> {
    const url = new URL(pathAndQuery, this.baseUrl);
    const headers = (): Record<string, string> => {
      const token = this.tokens.get(repository);
      if (token) return { accept: MANIFEST_TYPES, authorization: `Bearer ${token}` };
      if (this.credentials) return { accept: MANIFEST_TYPES, authorization: `Basic ${basic(this.credentials)}` };
      return { accept: MANIFEST_TYPES };
    };
    const response = await fetch(url, { method, headers: headers() });
    const challenge = response.headers.get('www-authenticate');
    if (response.status !== 401 || !challenge?.startsWith('Bearer ')) return response;
    await response.body?.cancel();
    this.tokens.set(repository, await this.bearerToken(challenge, repository));
    return fetch(url, { method, headers: headers() });
  }

  /** The token flow of the distribution spec; GitLab's registry asks for it on every repository. */
  private async bearerToken(challenge: string, repository: string): Promise<string> {
    const fields = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!fields.realm) throw new GitlabError(`the registry's challenge for ${repository} names no token realm`);
    const url = new URL(fields.realm);
    if (fields.service) url.searchParams.set('service', fields.service);
    url.searchParams.set('scope', `repository:${repository}:pull,delete`);
    const response = await fetch(url, { headers: this.credentials ? { authorization: `Basic ${basic(this.credentials)}` } : {} });
    await expectOk(response, `get a registry token for ${repository}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new GitlabError(`the registry's token service gave no token for ${repository}`);
    return token;
  }
}

function basic(credentials: { user: string; password: string }): string {
  return Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (response.ok) return;
  const text = await response.text().catch(() => '');
  throw new GitlabError(`${what}: registry answered HTTP ${response.status} ${text.slice(0, 200)}`.trim(), response.status);
}
