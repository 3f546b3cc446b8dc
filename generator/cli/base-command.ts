import { Command } from 'clipanion';
import { GitlabError } from '../gitlab/errors.js';
import { InputError, InputErrors } from '../input/errors.js';
import { RegistryError } from '../registry/client.js';

/**
 * Every spacktainers command: a problem in user input is printed as `file:line:col: key:
 * message` lines on stderr with exit code 1, never as a stack trace; so is a registry that
 * refuses a look-up (its message names the registry and the HTTP status, never a credential)
 * and a GitLab or store problem (a missing CI variable, a failed job, a server that keeps failing).
 */
export abstract class SpacktainersCommand extends Command {
  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      if (error instanceof InputError || error instanceof InputErrors || error instanceof RegistryError || error instanceof GitlabError) {
        this.context.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }
  }
}
