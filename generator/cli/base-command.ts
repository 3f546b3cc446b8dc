import { Command } from 'clipanion';
import { InputError, InputErrors } from '../input/errors.js';

/**
 * Every spacktainers command: a problem in user input is printed as `file:line:col: key:
 * message` lines on stderr with exit code 1, never as a stack trace.
 */
export abstract class SpacktainersCommand extends Command {
  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      if (error instanceof InputError || error instanceof InputErrors) {
        this.context.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }
  }
}
