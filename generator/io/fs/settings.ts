import { SpacktainersError } from '../../errors.js';
import { readRegularFile, SETTINGS_LIMIT } from './files.js';
import { parseSettings, type Settings } from '../../settings/settings.js';

/** Read the settings file; CI variables in `environment` override its values. */
export async function loadSettings(file: string, environment: NodeJS.ProcessEnv): Promise<Settings> {
  let content: string;
  try {
    content = (await readRegularFile(file, SETTINGS_LIMIT)).toString('utf8');
  } catch (error) {
    if (error instanceof SpacktainersError) throw error;
    throw SpacktainersError.input({ file }, `cannot read settings: ${(error as Error).message}`);
  }
  return parseSettings(file, content, environment);
}
