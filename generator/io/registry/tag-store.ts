import type { ContainerTagStore } from '../../gitlab/branch-cleanup.js';
import { SpacktainersError } from '../../errors.js';
import type { RegistryClient } from './client.js';

/** A registry as branch cleanup sees it: a tag it was just told about must have a manifest. */
export function registryTagStore(client: RegistryClient): ContainerTagStore {
  return {
    listTags: async (repository) => (await client.tags(repository)) ?? [],
    async digest(repository, tag) {
      const digest = await client.digest(repository, tag);
      if (!digest) throw new SpacktainersError('service', `${client.registry}: ${repository}:${tag} is listed but has no manifest`, { status: 404 });
      return digest;
    },
    deleteManifest: (repository, digest) => client.deleteManifest(repository, digest),
  };
}
