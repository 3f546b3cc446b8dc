import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';

/**
 * The version in the package.json of this installation: the one place it is written. It is
 * found by walking up from this module, which sits at a different depth in the sources (run by
 * the tests) and in dist/ (run by bin/spacktainers.js).
 */
export async function readPackageVersion(): Promise<string> {
  for (let folder = import.meta.dirname; ; folder = path.dirname(folder)) {
    const text = await readFile(path.join(folder, 'package.json'), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      const manifest = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (manifest.name === 'spacktainers' && typeof manifest.version === 'string') return manifest.version;
    }
    if (path.dirname(folder) === folder) throw new SpacktainersError('internal', `no package.json of spacktainers above ${import.meta.dirname}`);
  }
}
