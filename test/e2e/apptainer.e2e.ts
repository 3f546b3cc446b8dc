import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareImages, type PreparedImages } from './support/images.js';

const execFileAsync = promisify(execFile);

describe('the apptainer stand-in does what the SIF jobs ask of singularity', () => {
  let images: PreparedImages;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const singularity = async (args: string[], input?: string) => {
    const child = execFileAsync(path.join(images.binDir, 'singularity'), args, { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 });
    if (input !== undefined) child.child.stdin!.end(input);
    return (await child).stdout;
  };

  beforeAll(async () => {
    images = await prepareImages();
    dir = await mkdtemp(path.join(tmpdir(), 'spacktainers-e2e-apptainer-'));
    env = { ...process.env, ...images.env, PATH: `${images.binDir}:${process.env.PATH}` };
  });
  afterAll(async () => {
    await images?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs in with the password on stdin, printing nothing of it', async () => {
    const out = await singularity(['registry', 'login', '--username', 'e2e', '--password-stdin', `docker://${images.registry.host}`], 'sekret-e2e');
    expect(out).toContain(images.registry.host);
    expect(out).not.toContain('sekret-e2e');
  });

  it('converts a docker:// image and runs commands in it with its environment', async () => {
    await singularity(['build', 'debian.sif', 'docker://docker.io/library/node:20-bookworm']);
    expect(await singularity(['exec', 'debian.sif', 'cat', '/etc/debian_version'])).toMatch(/^12\./);
    expect(await singularity(['exec', 'debian.sif', 'sh', '-c', 'command -v node'])).toBe('/usr/local/bin/node\n');
  });

  it('builds a Bootstrap: docker definition with %post and %runscript', async () => {
    await writeFile(
      path.join(dir, 'tool.def'),
      [
        'Bootstrap: docker',
        'From: docker.io/library/debian:bookworm',
        '',
        '%post',
        '    echo built > /built',
        '',
        '%runscript',
        '    echo "ran $*: $(cat /built)"',
        '',
      ].join('\n'),
    );
    await singularity(['build', '--fakeroot', 'tool.sif', 'tool.def']);
    expect(await singularity(['run', 'tool.sif', 'a', 'b'])).toBe('ran a b: built\n');
  });

  it('refuses what it does not implement, with a message', async () => {
    await expect(singularity(['shell', 'tool.sif'])).rejects.toThrow(/unsupported command: shell/);
    await writeFile(path.join(dir, 'other.def'), 'Bootstrap: library\nFrom: alpine\n');
    await expect(singularity(['build', 'other.sif', 'other.def'])).rejects.toThrow(/only 'Bootstrap: docker'/);
  });
});
