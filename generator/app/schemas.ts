import path from 'node:path';
import { projectJsonSchemas } from '../definitions/json-schemas.js';
import { makeFolder, writePlainFile } from '../io/fs/plain-files.js';
import type { Terminal } from './terminal.js';

/** Write the editors' JSON Schemas of definitions and settings into `folder`; prints each file written. */
export async function writeJsonSchemas(folder: string, terminal: Terminal): Promise<void> {
  await makeFolder(folder);
  for (const { file, text } of projectJsonSchemas()) {
    await writePlainFile(path.join(folder, file), text);
    terminal.stdout.write(`wrote ${path.join(folder, file)}\n`);
  }
}
