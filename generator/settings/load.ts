import { readFile } from 'node:fs/promises';
import { InputError } from '../input/errors.js';
import { parseSettings, type Settings } from './settings.js';

/** Read the settings file; CI variables in `environment` override its values. */
export async function loadSettings(file: string, environment: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError({ file }, `cannot read settings: ${(error as Error).message}`);
  }
  return parseSettings(file, content, environment);
}
