import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './project.js';

export interface PackedPackage {
  tarball: string;
  /** The files it holds, as npm lists them. */
  files: string[];
}

/** This checkout packed as `npm pack` makes a release (dist/ is built by `npm run setup:test`), into `folder`. */
export async function packPackage(folder: string): Promise<PackedPackage> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], { cwd: REPO_ROOT });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(folder, packed!.filename), files: packed!.files.map((file) => file.path) };
}
