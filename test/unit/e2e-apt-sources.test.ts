import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { debianMirror, hostAptSources, rootfsSourcesList } from '../e2e/support/debian-rootfs.js';

describe("the e2e's Debian root filesystem takes its mirror from the machine's apt sources", () => {
  it('reads deb822 and one-line sources, skipping deb-src, disabled entries and other files', async () => {
    const etc = await mkdtemp(path.join(tmpdir(), 'spacktainers-apt-'));
    await mkdir(path.join(etc, 'sources.list.d'));
    await writeFile(
      path.join(etc, 'sources.list.d/debian.sources'),
      [
        'Types: deb deb-src',
        '# a comment',
        'URIs: http://mirror.invalid/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main contrib',
        '',
        'Types: deb',
        'URIs: http://mirror.invalid/debian-security',
        'Suites: bookworm-security',
        'Components: main',
        '',
        'Types: deb',
        'Enabled: no',
        'URIs: http://disabled.invalid/debian',
        'Suites: bookworm',
        '',
      ].join('\n'),
    );
    await writeFile(path.join(etc, 'sources.list.d/other.list.disabled'), 'deb http://ignored.invalid/debian bookworm main\n');
    await writeFile(path.join(etc, 'sources.list'), '# deb http://commented.invalid bookworm main\ndeb-src http://src.invalid bookworm main\n');
    const sources = hostAptSources(etc);
    expect(sources.map((s) => `${s.uri} ${s.suite}`)).toEqual([
      'http://mirror.invalid/debian bookworm',
      'http://mirror.invalid/debian bookworm-updates',
      'http://mirror.invalid/debian-security bookworm-security',
    ]);
    expect(debianMirror(sources)).toBe('http://mirror.invalid/debian');
    expect(rootfsSourcesList(sources)).toBe(
      [
        'deb http://mirror.invalid/debian bookworm main',
        'deb http://mirror.invalid/debian bookworm-updates main',
        'deb http://mirror.invalid/debian-security bookworm-security main',
        '',
      ].join('\n'),
    );
  });

  it('reads one-line sources with options, and names the files when bookworm has none', async () => {
    const etc = await mkdtemp(path.join(tmpdir(), 'spacktainers-apt-'));
    await writeFile(path.join(etc, 'sources.list'), 'deb [signed-by=/k.gpg] http://one.invalid/debian bookworm main # local\n');
    expect(debianMirror(hostAptSources(etc))).toBe('http://one.invalid/debian');
    await writeFile(path.join(etc, 'sources.list'), 'deb http://one.invalid/debian trixie main\n');
    expect(() => debianMirror(hostAptSources(etc))).toThrow(/no apt source for Debian bookworm in \/etc\/apt\/sources\.list/);
  });
});
