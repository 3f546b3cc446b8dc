import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The project's `spacktainer/Dockerfile`, the template of every Spack container's image. */
export async function readDockerfileTemplate(projectRoot: string): Promise<string> {
  return readFile(path.join(projectRoot, 'spacktainer', 'Dockerfile'), 'utf8');
}
