import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The stand-in's scripts: `apptainer`, and `singularity` linking to it. */
export const STAND_IN_BIN = path.resolve(import.meta.dirname, '../bin');

/**
 * The stand-in's version, as the settings' `apptainer.version`: it names what it is, so that
 * no image claims to hold a real apptainer release.
 */
export const STAND_IN_VERSION = '1.3.6+spacktainers.e2e';

/** What the stand-in runs, from Debian. */
export const STAND_IN_DEPENDENCIES = ['skopeo', 'umoci', 'squashfs-tools', 'jq'];

export interface PackageServer {
  /** For the settings' `apptainer.downloadUrl`: packages are at `<url>/v<version>/apptainer_<version>_<arch>.deb`. */
  url: string;
  version: string;
  stop(): Promise<void>;
}

/**
 * Package the stand-in as a .deb (architecture `all`: it is a shell script) with dpkg-deb, so the
 * singularitah image installs it as it installs apptainer's release package.
 */
export async function buildStandInPackage(cacheDir: string): Promise<string> {
  const dir = path.join(cacheDir, 'apptainer');
  const root = path.join(dir, 'package');
  await rm(root, { recursive: true, force: true });
  await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await writeFile(
    path.join(root, 'DEBIAN/control'),
    [
      'Package: apptainer',
      `Version: ${STAND_IN_VERSION}`,
      'Architecture: all',
      'Maintainer: spacktainers end-to-end tests <e2e@spacktainers.invalid>',
      `Depends: ${STAND_IN_DEPENDENCIES.join(', ')}`,
      'Description: stand-in for apptainer in spacktainers end-to-end tests',
      ' Implements registry login, build (docker:// images and Bootstrap: docker definitions),',
      ' exec and run, with squashfs images instead of SIF. Not apptainer.',
      '',
    ].join('\n'),
  );
  await copyFile(path.join(STAND_IN_BIN, 'apptainer'), path.join(root, 'usr/bin/apptainer'));
  await chmod(path.join(root, 'usr/bin/apptainer'), 0o755);
  await symlink('apptainer', path.join(root, 'usr/bin/singularity'));
  const deb = path.join(dir, 'apptainer.deb');
  await execFileAsync('dpkg-deb', ['--root-owner-group', '--build', root, deb]);
  await rm(root, { recursive: true, force: true });
  return deb;
}

/**
 * Serve the stand-in package on 127.0.0.1:`port` at the paths of apptainer's GitHub release
 * downloads, for every architecture.
 */
export async function serveStandInPackage(cacheDir: string, port: number): Promise<PackageServer> {
  const deb = await buildStandInPackage(cacheDir);
  const wanted = new RegExp(`^/v${escape(STAND_IN_VERSION)}/apptainer_${escape(STAND_IN_VERSION)}_(amd64|arm64)\\.deb$`);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || !wanted.test(decodeURIComponent(request.url ?? ''))) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/vnd.debian.binary-package' });
    return createReadStream(deb).pipe(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    version: STAND_IN_VERSION,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
