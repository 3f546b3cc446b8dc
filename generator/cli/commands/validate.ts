import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, settingsOption } from '../options.js';

export class ValidateCommand extends SpacktainersCommand {
  static override paths = [['validate']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Check container definitions and settings without writing anything',
    details: `
      Reads every definition under the definitions folder and the settings file, and reports every
      problem with its file, line, column and key. Exits with 1 when there is any problem. Keys of a
      definition's own \`ci:\` section that spacktainers overrides (runner tags, builder image, build
      script, timeout, rebuild-index) are reported as warnings; they do not fail validation.
    `,
    examples: [
      ['Check the definitions of this project', '$0 validate'],
      ['Check another definitions folder', '$0 validate --definitions path/to/container_definitions'],
    ],
  });

  definitions = definitionsOption();
  settings = settingsOption();

  async run(): Promise<number> {
    const { validateProject } = await import('../../app/validate.js');
    await validateProject(this.definitions, this.settings, this.context.env, this.context);
    return 0;
  }
}
