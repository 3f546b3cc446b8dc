import { readFile } from 'node:fs/promises';
import { projectOrPackagePath } from './package-files.js';

/** The project's `spacktainer/Dockerfile`, else the package's: the template of every Spack container's image. */
export async function readDockerfileTemplate(projectRoot: string): Promise<string> {
  return readFile(projectOrPackagePath(projectRoot, 'spacktainer', 'Dockerfile').path, 'utf8');
}
