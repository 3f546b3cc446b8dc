import { Command, Option } from 'clipanion';
import { commandName, reportFailure } from './failure.js';
import { enterProject, projectOption } from './options.js';

/**
 * Every spacktainers command. A failure is printed as one line on stderr naming what failed
 * (file:line, option, endpoint, bucket) and what to do, with exit code 1; a command line that
 * does not parse exits 2. The stack trace is only for `--verbose` or a set DEBUG variable.
 * Every command runs in its `--project` folder, as a CI job runs in its checkout.
 */
export abstract class SpacktainersCommand extends Command {
  verbose = Option.Boolean('--verbose', false, { description: 'On a failure, also print its stack trace (as a set DEBUG variable does)' });
  project = projectOption();

  abstract run(): Promise<number>;

  async execute(): Promise<number> {
    try {
      enterProject(this.project);
      return await this.run();
    } catch (error) {
      return reportFailure(error, commandName(this.path), this.context.stderr, this.verbose);
    }
  }
}
