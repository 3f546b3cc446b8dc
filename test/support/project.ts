import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The architectures of the bundled settings.yaml, which makeProject copies. */
export const BUNDLED_ARCHITECTURES = ['amd64', 'arm64'];

/**
 * A throw-away copy of this project's non-definition inputs (settings, base-images,
 * spacktainer/) with the given definition files, keyed by path below container_definitions/.
 */
export async function makeProject(definitions: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'spacktainers-project-'));
  for (const item of ['settings.yaml', 'base-images', 'spacktainer']) {
    await cp(path.join(REPO_ROOT, item), path.join(root, item), { recursive: true });
  }
  await mkdir(path.join(root, 'container_definitions'), { recursive: true });
  for (const [file, text] of Object.entries(definitions)) {
    const full = path.join(root, 'container_definitions', file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, text);
  }
  return root;
}

/**
 * Every file below `dir`, by its path relative to it, with its bytes (base64: compared exactly),
 * or its text.
 */
export async function filesBelow(dir: string, encoding: 'base64' | 'utf8' = 'base64'): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries.filter((e) => e.isFile())) {
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full)] = (await readFile(full)).toString(encoding);
  }
  return files;
}
