import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../support/project.js';
import { buildah } from './support/buildah.js';
import { defaultCacheDir, prepareImages } from './support/images.js';

const run = promisify(execFile);

/**
 * The generator image built for real from images/generator/Dockerfile, as the project's
 * `generator-image` job builds it (its context staged by images/generator/stage.sh from the
 * built dist/), on the stand-in of node:26-trixie-slim (Debian plus this machine's node: see
 * seed-images.ts); its runtime dependencies come from the npm registry at the locked versions.
 */
it('builds the generator image, whose spacktainers is the package version', async () => {
  const images = await prepareImages({ cacheDir: defaultCacheDir(), log: (line) => console.log(`e2e: ${line}`) });
  const scratch = await mkdtemp(path.join(tmpdir(), 'spacktainers-generator-'));
  const context = path.join(scratch, 'context');
  const tag = `${images.registry.host}/e2e/generator:test`;
  let container: string | undefined;
  try {
    await run('sh', [path.join(REPO_ROOT, 'images/generator/stage.sh'), context]);
    const started = Date.now();
    // This machine may reach the npm registry through a TLS proxy that only its own trust store
    // knows (NODE_EXTRA_CA_CERTS): the build's npm is given that file, by an npmrc of its user.
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const trust: string[] = [];
    if (extraCa) {
      await writeFile(path.join(scratch, 'npmrc'), 'cafile=/etc/host-ca.crt\n');
      trust.push('--volume', `${extraCa}:/etc/host-ca.crt:ro`, '--volume', `${path.join(scratch, 'npmrc')}:/root/.npmrc:ro`);
    }
    await buildah(['build', '--layers=false', ...trust, '--file', path.join(REPO_ROOT, 'images/generator/Dockerfile'), '--tag', tag, context], images.env);
    console.log(`e2e: generator image built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    container = (await buildah(['from', tag], images.env)).trim();
    const { version } = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await buildah(['run', container, '--', 'spacktainers', '--version'], images.env)).trim()).toBe(version);
    // No ENTRYPOINT: a GitLab job's script runs in the image's shell.
    const inspected = JSON.parse(await buildah(['inspect', '--type', 'image', tag], images.env)) as { OCIv1: { config: { Entrypoint?: string[] } } };
    expect(inspected.OCIv1.config.Entrypoint).toBeUndefined();
    const size = (await buildah(['images', '--format', '{{.Size}}', tag], images.env)).trim();
    console.log(`e2e: generator image size ${size}`);
  } finally {
    if (container) await buildah(['rm', container], images.env);
    await buildah(['rmi', tag], images.env).catch(() => '');
    await rm(scratch, { recursive: true, force: true });
    await images.stop();
  }
});
