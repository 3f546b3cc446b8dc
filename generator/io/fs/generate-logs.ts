import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { compareCodePoints } from '../../pipeline/order.js';
import { readTextFile, type TextFile } from './files.js';

/** The `generate.log` the generate jobs keep beside each output (`spacktainers plan` reads them). */
export async function findGenerateLogs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((entry) => path.basename(entry) === 'generate.log')
    .sort(compareCodePoints)
    .map((entry) => path.join(dir, entry));
}

/** Every `spack ci generate` log given. */
export async function readGenerateLogs(files: string[]): Promise<TextFile[]> {
  const logs: TextFile[] = [];
  for (const file of files) {
    try {
      logs.push(await readTextFile(file));
    } catch (error) {
      throw SpacktainersError.input({ file }, `cannot read the generate log: ${(error as Error).message}`);
    }
  }
  return logs;
}
