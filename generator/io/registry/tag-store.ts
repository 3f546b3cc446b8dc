import { RegistryError, type RegistryClient } from './client.js';

/** Where container images are tagged: what branch cleanup reads and deletes. */
export interface ContainerTagStore {
  /** Every tag of the repository; none when it does not exist. */
  listTags(repository: string): Promise<string[]>;
  /** Content digest the tag points to; deleting it deletes every tag on that digest. */
  digest(repository: string, tag: string): Promise<string>;
  deleteManifest(repository: string, digest: string): Promise<void>;
}

/** A registry as branch cleanup sees it: a tag it was just told about must have a manifest. */
export function registryTagStore(client: RegistryClient): ContainerTagStore {
  return {
    listTags: async (repository) => (await client.tags(repository)) ?? [],
    async digest(repository, tag) {
      const digest = await client.digest(repository, tag);
      if (!digest) throw new RegistryError(`${client.registry}: ${repository}:${tag} is listed but has no manifest`, 404);
      return digest;
    },
    deleteManifest: (repository, digest) => client.deleteManifest(repository, digest),
  };
}
