import type { ImageLookup } from '../../registry/lookup.js';
import { parseImageReference } from './reference.js';
import type { Architecture, Settings } from '../../settings/settings.js';
import { SpacktainersError } from '../../errors.js';
import { RegistryClient, type RegistryCredentials } from './client.js';
import type { ProgressSink } from '../retry.js';

/**
 * Registries as named in the settings, with credentials read from the CI variables the
 * settings name (the project registry and Docker Hub); any other registry (a `.def`'s
 * `From:`) is asked anonymously. An index is resolved to the entry of the architecture's
 * OCI platform (`platformOf`). Retries are reported to `log`.
 */
export function registryLookup(
  settings: Settings,
  platformOf: (arch: Architecture) => string,
  environment: NodeJS.ProcessEnv,
  log: ProgressSink,
  fetchImpl: typeof fetch = fetch,
): ImageLookup {
  const credentialVariables = new Map<string, CredentialVariables>([
    [settings.registry.host, settings.registry],
    [settings.dockerHub.host, settings.dockerHub],
  ]);
  const clients = new Map<string, RegistryClient>();
  const client = (registry: string) => {
    let existing = clients.get(registry);
    if (!existing) {
      existing = new RegistryClient(registry, log, registryCredentials(credentialVariables.get(registry), environment), fetchImpl);
      clients.set(registry, existing);
    }
    return existing;
  };
  return {
    async image(text, arch) {
      const ref = parseImageReference(text);
      return client(ref.registry).image(ref.repository, ref.reference, platformOf(arch));
    },
    async digest(text) {
      const ref = parseImageReference(text);
      return client(ref.registry).digest(ref.repository, ref.reference);
    },
    /**
     * Docker Hub answers 401 rather than 404 for a repository that does not exist (its token
     * service grants no scope on it), so a repository we may not read counts as missing: we
     * could not push there.
     */
    async repositoryExists(text) {
      const ref = parseImageReference(`${text}:latest`);
      try {
        return (await client(ref.registry).tags(ref.repository)) !== undefined;
      } catch (error) {
        if (error instanceof SpacktainersError && (error.status === 401 || error.status === 403)) return false;
        throw error;
      }
    },
    async copy(from, to) {
      const source = parseImageReference(from);
      const target = parseImageReference(to);
      if (source.registry !== target.registry || source.repository !== target.repository) {
        throw new SpacktainersError('internal', `internal: copy ${from} to ${to} across repositories`);
      }
      const registry = client(source.registry);
      const manifest = await registry.manifest(source.repository, source.reference);
      if (!manifest) throw new SpacktainersError('service', `cannot copy ${from}: it does not exist`);
      await registry.putManifest(target.repository, target.reference, manifest);
    },
  };
}

/**
 * The settings' project registry (`registry.host`, or the API at `endpoint`), with the
 * credentials in the CI variables the settings name; retries are reported to `log`.
 */
export function projectRegistryClient(settings: Settings, environment: NodeJS.ProcessEnv, log: ProgressSink, endpoint?: string): RegistryClient {
  return new RegistryClient(settings.registry.host, log, registryCredentials(settings.registry, environment), fetch, endpoint);
}

/** The names of the CI variables holding a registry's user name and password. */
interface CredentialVariables {
  userVariable: string;
  passwordVariable: string;
}

function registryCredentials(names: CredentialVariables | undefined, environment: NodeJS.ProcessEnv): RegistryCredentials | undefined {
  const username = names && environment[names.userVariable];
  const password = names && environment[names.passwordVariable];
  return username && password ? { username, password } : undefined;
}
