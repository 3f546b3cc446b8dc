import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BaseImageName } from '../../settings/settings.js';
import type { BaseImageInputs } from '../../containers/base-images.js';

/** Every file of the `base-images/<name>/` folder of each name, for the base images' checksums. */
export async function readBaseImageInputs(projectRoot: string, names: readonly BaseImageName[]): Promise<BaseImageInputs[]> {
  return Promise.all(
    names.map(async (name) => {
      const folder = path.join(projectRoot, 'base-images', name);
      const entries = await readdir(folder, { recursive: true, withFileTypes: true });
      const files = await Promise.all(
        entries
          .filter((entry) => entry.isFile())
          .map(async (entry) => {
            const full = path.join(entry.parentPath, entry.name);
            return { path: path.relative(folder, full).split(path.sep).join('/'), content: await readFile(full) };
          }),
      );
      return { name, files };
    }),
  );
}
