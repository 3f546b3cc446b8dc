import { SpacktainersError } from '../../errors.js';
import { readRegularFile, SETTINGS_LIMIT } from './files.js';

/** The text of the settings file. */
export async function readSettings(file: string): Promise<string> {
  try {
    return (await readRegularFile(file, SETTINGS_LIMIT)).toString('utf8');
  } catch (error) {
    if (error instanceof SpacktainersError) throw error;
    throw SpacktainersError.input({ file }, `cannot read settings: ${(error as Error).message}`);
  }
}
