import { realpathSync } from 'node:fs';
import { cp, link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildah } from './buildah.js';
import { MIRROR_NAMESPACE } from './containers-config.js';

/** Whether the registry at `endpoint` has `repository:tag`. */
async function hasTag(endpoint: string, repository: string, tag: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return response.ok;
}

/** A Docker Hub image the Dockerfiles name in `FROM`, and how its stand-in is built. */
interface SeedImage {
  /** As the Dockerfiles name it, below docker.io/. */
  name: string;
  containerfile: string;
}

const DEBIAN = 'library/debian';
const NODE = 'library/node';

/**
 * What the e2e runs as the generator image (settings `images.generator`, the component's
 * generator-image input): the stand-in of the Node LTS image images/generator/Dockerfile starts
 * from. Generator jobs run in this machine's shell with this checkout's CLI, so the image only
 * has to exist: the singularitah base image is built FROM it.
 */
export const GENERATOR_IMAGE_STAND_IN = `docker.io/${NODE}:26-trixie-slim`;

/** A node image's stand-in: the Debian seed plus this machine's node and npm. */
const nodeStandIn = [
  `FROM docker.io/${DEBIAN}:bookworm`,
  'COPY node /usr/local/bin/node',
  'COPY npm /usr/local/lib/node_modules/npm',
  'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\',
  ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
  'CMD ["node"]',
  '',
].join('\n');

/**
 * The Docker Hub images our Dockerfiles and the e2e start from, made on this machine: Debian
 * from the debootstrap root filesystem (`-slim` is the same files: our builds do not depend on
 * what slim leaves out), and node:20-bookworm and node:26-trixie-slim as stand-ins made of that
 * Debian (bookworm, for both) plus this machine's own `node` and npm at the paths the official
 * images have them (they are not the official images, which carry another Node and, for
 * node:20-bookworm, buildpack-deps' compilers and tools; the jobs using them install what they
 * need with apt).
 */
const SEED_IMAGES: SeedImage[] = [
  { name: `${DEBIAN}:bookworm`, containerfile: 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' },
  { name: `${DEBIAN}:bookworm-slim`, containerfile: 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' },
  { name: `${NODE}:20-bookworm`, containerfile: nodeStandIn },
  { name: GENERATOR_IMAGE_STAND_IN.replace('docker.io/', ''), containerfile: nodeStandIn },
];

/**
 * Put the seed images into the registry's Docker Hub mirror, each only when it is missing
 * there (the registry's storage persists in the cache folder). Built in order: node is
 * built on the Debian image.
 */
export async function seedMirror(
  cacheDir: string,
  registry: { host: string; endpoint: string },
  rootfsTarball: string,
  env: Record<string, string>,
): Promise<string[]> {
  const seeded: string[] = [];
  for (const image of SEED_IMAGES) {
    const [repository, tag] = image.name.split(':') as [string, string];
    if (await hasTag(registry.endpoint, `${MIRROR_NAMESPACE}/${repository}`, tag)) continue;
    const context = path.join(cacheDir, 'seed', image.name.replace(/[/:]/g, '_'));
    await rm(context, { recursive: true, force: true });
    await mkdir(context, { recursive: true });
    await writeFile(path.join(context, 'Containerfile'), image.containerfile);
    if (image.containerfile.includes('rootfs.tar')) await link(rootfsTarball, path.join(context, 'rootfs.tar'));
    if (image.containerfile.includes('COPY node')) await copyHostNode(context);
    const local = `docker.io/${image.name}`;
    await buildah(['build', '--layers', '--file', 'Containerfile', '--tag', local, '.'], env, context);
    await buildah(['push', local, `docker://${registry.host}/${MIRROR_NAMESPACE}/${image.name}`], env);
    await rm(context, { recursive: true, force: true });
    seeded.push(local);
  }
  return seeded;
}

/** This machine's node binary and the npm it runs, into a build context. */
async function copyHostNode(context: string): Promise<void> {
  const node = realpathSync(process.execPath);
  await cp(node, path.join(context, 'node'));
  // npm's CLI lives in node's prefix: <prefix>/bin/node, <prefix>/lib/node_modules/npm.
  const npm = path.join(path.dirname(path.dirname(node)), 'lib/node_modules/npm');
  await cp(npm, path.join(context, 'npm'), { recursive: true, dereference: true });
}
