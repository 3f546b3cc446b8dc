import { existsSync } from 'node:fs';
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
 *
 * The registries file is also the user one of a HOME in the cache folder: Debian bookworm's
 * buildah 1.28 and skopeo 1.9 read CONTAINERS_REGISTRIES_CONF for pulls and pushes but not for
 * `login`, which then insists on HTTPS; `$HOME/.config/containers/registries.conf` is read by
 * all of them. (As root, containers/image still keeps its blob-info cache, 64 KiB, in
 * /var/lib/containers/cache: no setting moves it.)
 */
export async function writeContainersConfig(cacheDir: string, registryHost: string, otherRegistries: string[] = []): Promise<Record<string, string>> {
  const dir = path.join(cacheDir, 'containers');
  const home = path.join(cacheDir, 'home');
  const userConfig = path.join(home, '.config/containers');
  await mkdir(dir, { recursive: true });
  await mkdir(userConfig, { recursive: true });
  const registriesConf = path.join(userConfig, 'registries.conf');
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
      ...otherRegistries.flatMap((host) => ['[[registry]]', `location = "${host}"`, 'insecure = true', '']),
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
    ['[storage]', 'driver = "vfs"', `graphroot = "${path.join(dir, 'storage')}"`, `runroot = "${path.join(dir, 'run')}"`, ''].join('\n'),
  );
  // buildah and skopeo refuse a REGISTRY_AUTH_FILE that does not exist, even with nothing to read.
  const authFile = path.join(dir, 'auth.json');
  if (!existsSync(authFile)) await writeFile(authFile, '{ "auths": {} }\n');
  return {
    HOME: home,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    CONTAINERS_STORAGE_CONF: storageConf,
    // `buildah login` and `skopeo login` write here instead of the host's /run/containers.
    REGISTRY_AUTH_FILE: authFile,
  };
}
