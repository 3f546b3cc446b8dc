import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../../generator/app/project.js';
import { REPO_ROOT } from '../../support/project.js';
import { collectRegistryGarbage, freePort, startRegistry } from '../../support/registry.js';
import { serveStandInPackage, STAND_IN_BIN, STAND_IN_DEPENDENCIES } from './apptainer-package.js';
import { pruneLocalStorage, removeLocalManifestLists } from './buildah.js';
import { writeContainersConfig } from './containers-config.js';
import { debianRootfs } from './debian-rootfs.js';
import { GENERATOR_IMAGE_STAND_IN, seedMirror } from './seed-images.js';
import { serveSpackSource } from './spack-source.js';

/** What the end-to-end run builds images with; see `prepareImages`. */
export interface PreparedImages {
  /** The loopback registry: the settings' registry and the Docker Hub mirror. */
  registry: { host: string; endpoint: string };
  /**
   * For every job and tool: containers configuration (CONTAINERS_REGISTRIES_CONF,
   * CONTAINERS_STORAGE_CONF, REGISTRY_AUTH_FILE).
   */
  env: Record<string, string>;
  /**
   * SPACKTAINERS_* variables for the generator and jobs: registry host, Spack repository and
   * commit, apptainer version and download URL, the generator image's stand-in.
   */
  settingsOverrides: Record<string, string>;
  /** Holds the apptainer stand-in as `apptainer` and `singularity`: put it first on PATH. */
  binDir: string;
  /** The Spack the builder image fetches: a git daemon URL and the commit of $SPACK_ROOT. */
  spack: { repository: string; commit: string };
  /** Images put into the Docker Hub mirror by this call (empty when the cache had them all). */
  seeded: string[];
  /**
   * Remove the repositories the e2e pushed under the settings' registry path, except base
   * images (`<path>/base/`), so that containers of an earlier run never show up in this one.
   * Returns the repositories removed.
   */
  removeContainerRepositories(): Promise<string[]>;
  /**
   * Remove the manifest lists in local storage that base-image manifest jobs made: each job
   * creates its list by name, as in a fresh GitLab job. Called by `prepareImages`; call it
   * again before a second pipeline of one run makes the same list. Returns the names removed.
   */
  removeLocalManifestLists(): Promise<string[]>;
  /** Stop the registry, git daemon and package server (the cache folder is kept). */
  stop(): Promise<void>;
}

export interface PrepareImagesOptions {
  /** Persistent cache folder (default: $E2E_CACHE_DIR, else ~/.cache/spacktainers-e2e). */
  cacheDir?: string;
  /** The Spack served to the builder image (default: $SPACK_ROOT). */
  spackRoot?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Other loopback registries jobs push to over plain HTTP (the Docker Hub stand-in). */
  otherRegistries?: string[];
}

/** The Debian packages `prepareImages` uses on this machine (the run's global setup installs them). */
export const IMAGE_PACKAGES = ['debootstrap', 'docker-registry', 'buildah', 'git', ...STAND_IN_DEPENDENCIES];

export function defaultCacheDir(): string {
  return process.env.E2E_CACHE_DIR || path.join(homedir(), '.cache', 'spacktainers-e2e');
}

/**
 * Everything the generated image jobs need to run unmodified on this machine with buildah and
 * the loopback registry, kept in `cacheDir` so that a second run is fast: a Debian root
 * filesystem (debootstrap), the registry (its storage in the cache, so base images built by one
 * run are found by the next), Docker Hub's images our Dockerfiles start from served from it,
 * the Spack of $SPACK_ROOT over git, and an apptainer stand-in package over HTTP.
 */
export async function prepareImages(options: PrepareImagesOptions = {}): Promise<PreparedImages> {
  const cacheDir = path.resolve(options.cacheDir ?? defaultCacheDir());
  const spackRoot = options.spackRoot ?? process.env.SPACK_ROOT;
  if (!spackRoot) throw new Error('prepareImages: SPACK_ROOT is not set (the Spack the builder image is made from)');
  const log = options.log ?? (() => undefined);
  const settings = await loadSettings(path.join(REPO_ROOT, 'settings.yaml'), {});
  await mkdir(cacheDir, { recursive: true });
  const ports = await stablePorts(cacheDir, ['registry', 'git', 'packages']);

  log('debian root filesystem');
  const rootfs = await debianRootfs(cacheDir);
  const storageDir = path.join(cacheDir, 'registry');
  // What an earlier run removed is still on disk until collected, which needs the registry stopped.
  if (existsSync(storageDir)) await collectRegistryGarbage(storageDir);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };
  try {
    const registry = await startRegistry({ storageDir, port: ports.registry });
    stops.push(() => registry.stop());
    const env = await writeContainersConfig(cacheDir, registry.host, options.otherRegistries);
    const removeManifestLists = () => removeLocalManifestLists(`${registry.host}/${settings.registry.path}/`, env);
    await removeManifestLists();
    log('pruning image storage left by earlier runs');
    await pruneLocalStorage(env);
    log('docker.io mirror');
    const seeded = await seedMirror(cacheDir, registry, rootfs, env);
    log('spack source');
    const spack = await serveSpackSource(cacheDir, spackRoot, ports.git);
    stops.push(() => spack.stop());
    const packages = await serveStandInPackage(cacheDir, ports.packages);
    stops.push(() => packages.stop());
    const repositories = path.join(storageDir, 'docker/registry/v2/repositories', settings.registry.path);
    return {
      registry: { host: registry.host, endpoint: registry.endpoint },
      env,
      settingsOverrides: {
        SPACKTAINERS_REGISTRY_HOST: registry.host,
        SPACKTAINERS_SPACK_REPOSITORY: spack.url,
        SPACKTAINERS_SPACK_COMMIT: spack.commit,
        SPACKTAINERS_APPTAINER_VERSION: packages.version,
        SPACKTAINERS_APPTAINER_DOWNLOAD_URL: packages.url,
        SPACKTAINERS_IMAGES_GENERATOR: GENERATOR_IMAGE_STAND_IN,
      },
      binDir: STAND_IN_BIN,
      spack: { repository: spack.url, commit: spack.commit },
      seeded,
      removeContainerRepositories: () => removeRepositoriesExceptBase(repositories, settings.registry.path),
      removeLocalManifestLists: removeManifestLists,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Remove repositories from the registry's storage directly: the distribution API deletes
 * manifests but never a repository, and a repository left without tags would still be listed.
 * The registry keeps no cache (see test/support/registry.ts), so it sees the removal at once.
 */
async function removeRepositoriesExceptBase(dir: string, registryPath: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'base') continue;
    await rm(path.join(dir, entry.name), { recursive: true, force: true });
    removed.push(`${registryPath}/${entry.name}`);
  }
  return removed.sort();
}

/**
 * The same port for each server on every run with this cache folder when it is free: the
 * Spack repository and apptainer URLs are build arguments of base images, so a new port would
 * change their checksums and rebuild them.
 */
async function stablePorts<Name extends string>(cacheDir: string, names: Name[]): Promise<Record<Name, number>> {
  const file = path.join(cacheDir, 'ports.json');
  const stored: Partial<Record<Name, number>> = existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {};
  const ports = {} as Record<Name, number>;
  for (const name of names) {
    const previous = stored[name];
    ports[name] = previous !== undefined && (await isFree(previous)) ? previous : await freePort();
  }
  await writeFile(file, `${JSON.stringify(ports, null, 2)}\n`);
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
