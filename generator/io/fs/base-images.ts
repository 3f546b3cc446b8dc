import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BaseImageName } from '../../settings/settings.js';
import type { BaseImageInputs } from '../../containers/base-images.js';
import { projectOrPackagePath } from './package-files.js';

/**
 * Every file of the `base-images/<name>/` folder of each name, for the base images' checksums: the
 * project's folder when it has one, else the package's.
 */
export async function readBaseImageInputs(projectRoot: string, names: readonly BaseImageName[]): Promise<BaseImageInputs[]> {
  return Promise.all(
    names.map(async (name) => {
      const { path: folder, shipped } = projectOrPackagePath(projectRoot, 'base-images', name);
      const entries = await readdir(folder, { recursive: true, withFileTypes: true });
      const files = await Promise.all(
        entries
          .filter((entry) => entry.isFile())
          .map(async (entry) => {
            const full = path.join(entry.parentPath, entry.name);
            return { path: path.relative(folder, full).split(path.sep).join('/'), content: await readFile(full) };
          }),
      );
      return { name, files, shipped };
    }),
  );
}
