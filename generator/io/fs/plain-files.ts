import { mkdir, rm, writeFile } from 'node:fs/promises';

/**
 * Files at the paths a command is given, written as they are: reports, schemas, module files,
 * downloaded artifacts. (The generated folder is written all-or-nothing by
 * output.ts instead.)
 */

/** Write `content` to `file`, replacing it; `mode` gives a new file its permissions. */
export async function writePlainFile(file: string, content: string | Uint8Array, mode?: number): Promise<void> {
  await writeFile(file, content, { mode });
}

/** Make `folder` and the folders above it that are missing. */
export async function makeFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
}

/** Remove `file`; nothing there is no failure. */
export async function removePlainFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
