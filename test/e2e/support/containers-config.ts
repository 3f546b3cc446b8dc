import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where Docker Hub images are kept in the loopback registry: `<host>/mirror/library/debian`. */
export const MIRROR_NAMESPACE = 'mirror';

/**
 * Configuration of buildah, skopeo and the apptainer stand-in (containers-registries.conf(5),
 * containers-storage.conf(5)), passed through the environment so that jobs run unmodified:
 * the loopback registry over plain HTTP, Docker Hub served from its `mirror/` namespace (the
 * machine reaches no registry but the package ones), and image storage inside the cache
 * folder, so that the host's /var/lib/containers is untouched and layers are kept between runs.
 */
export async function writeContainersConfig(cacheDir: string, registryHost: string): Promise<Record<string, string>> {
  const dir = path.join(cacheDir, 'containers');
  await mkdir(dir, { recursive: true });
  const registriesConf = path.join(dir, 'registries.conf');
  const storageConf = path.join(dir, 'storage.conf');
  await writeFile(
    registriesConf,
    [
      'unqualified-search-registries = []',
      '',
      '[[registry]]',
      `location = "${registryHost}"`,
      'insecure = true',
      '',
      '[[registry]]',
      'prefix = "docker.io"',
      'location = "docker.io"',
      '',
      '[[registry.mirror]]',
      `location = "${registryHost}/${MIRROR_NAMESPACE}"`,
      'insecure = true',
      '',
    ].join('\n'),
  );
  await writeFile(
    storageConf,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = "${path.join(dir, 'storage')}"`,
      `runroot = "${path.join(dir, 'run')}"`,
      '',
    ].join('\n'),
  );
  return {
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    // `buildah login` and `skopeo login` write here instead of the host's /run/containers.
    REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
  };
}
