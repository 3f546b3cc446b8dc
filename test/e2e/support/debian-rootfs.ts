import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** One `deb` line of the machine's apt sources: where one suite of Debian comes from. */
export interface AptSource {
  uri: string;
  suite: string;
  components: string[];
}

const SUITE = 'bookworm';

/**
 * The `deb` sources of this machine (`/etc/apt/sources.list.d/*.sources` in deb822 form, and the
 * one-line `/etc/apt/sources.list` and `*.list`): the project names no mirror of its own, so the
 * images are built from whatever mirror this machine uses.
 */
export function hostAptSources(etcApt = '/etc/apt'): AptSource[] {
  const sources: AptSource[] = [];
  const listDir = path.join(etcApt, 'sources.list.d');
  const files = existsSync(listDir)
    ? readdirSync(listDir)
        .sort()
        .map((f) => path.join(listDir, f))
    : [];
  for (const file of [path.join(etcApt, 'sources.list'), ...files]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) sources.push(...deb822Sources(text));
    else if (file.endsWith('.list')) sources.push(...oneLineSources(text));
  }
  return sources;
}

function deb822Sources(text: string): AptSource[] {
  return text.split(/\n\s*\n/).flatMap((paragraph) => {
    const fields = new Map<string, string>();
    for (const line of paragraph.split('\n')) {
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    const words = (key: string) => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || fields.get('enabled') === 'no') return [];
    return words('uris').flatMap((uri) => words('suites').map((suite) => ({ uri, suite, components: words('components') })));
  });
}

function oneLineSources(text: string): AptSource[] {
  return text.split('\n').flatMap((line) => {
    const words = line
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, '')
      .trim()
      .split(/\s+/);
    if (words[0] !== 'deb' || words.length < 3) return [];
    return [{ uri: words[1]!, suite: words[2]!, components: words.slice(3) }];
  });
}

/** The mirror debootstrap installs Debian bookworm from: this machine's source of that suite. */
export function debianMirror(sources: AptSource[]): string {
  const source = sources.find((s) => s.suite === SUITE);
  if (!source) throw new Error(`no apt source for Debian ${SUITE} in /etc/apt/sources.list{,.d/}: cannot make a Debian root filesystem`);
  return source.uri;
}

/**
 * The rootfs's own apt sources: debootstrap writes only the release itself; the machine's
 * updates and security suites are added so that packages installed in image builds have the
 * versions this machine has.
 */
export function rootfsSourcesList(sources: AptSource[]): string {
  const wanted = [SUITE, `${SUITE}-updates`, `${SUITE}-security`];
  const lines = wanted.flatMap((suite) => {
    const source = sources.find((s) => s.suite === suite);
    return source ? [`deb ${source.uri} ${suite} main`] : [];
  });
  return `${[...new Set(lines)].join('\n')}\n`;
}

/**
 * A minimal Debian bookworm root filesystem as a tarball, made once per cache folder with
 * debootstrap (about a minute) and kept. Package archives and lists are left out, as in
 * Debian's official images.
 */
export async function debianRootfs(cacheDir: string): Promise<string> {
  const tarball = path.join(cacheDir, `debian-${SUITE}-rootfs.tar`);
  if (existsSync(tarball)) return tarball;
  const sources = hostAptSources();
  const work = path.join(cacheDir, `debian-${SUITE}-rootfs.partial`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const root = path.join(work, 'root');
  try {
    await execFileAsync('debootstrap', ['--variant=minbase', SUITE, root, debianMirror(sources)], { maxBuffer: 64 * 1024 * 1024 });
    await writeFile(path.join(root, 'etc/apt/sources.list'), rootfsSourcesList(sources));
    await rm(path.join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(path.join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
    await mkdir(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
    await mkdir(path.join(root, 'var/lib/apt/lists/partial'), { recursive: true });
    const partial = path.join(work, 'rootfs.tar');
    await execFileAsync('tar', ['--numeric-owner', '--xattrs', '-C', root, '-cf', partial, '.']);
    await rename(partial, tarball);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return tarball;
}
