import { SpacktainersError } from '../../errors.js';
import { filesNamed, readTextFile, type TextFile } from './files.js';

/** The `generate.log` the generate jobs keep beside each output (`spacktainers plan` reads them). */
export async function findGenerateLogs(dir: string): Promise<string[]> {
  return filesNamed(dir, 'generate.log').catch(() => []);
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
