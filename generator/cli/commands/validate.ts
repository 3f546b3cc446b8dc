import { Option } from 'clipanion';
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

      \`--json\` prints one object for tools instead: \`valid\`, \`definitions\` (each \`arch\`, \`name\`,
      \`kind\`, \`file\` and its \`warnings\`), \`switchedOff\`, \`warnings\` and \`problems\` (each \`file\`,
      \`line\`, \`column\`, \`key\`, null where the problem has none, and the \`message\` printed on
      stderr). It is printed when the input is wrong too, with exit code 1 (docs/cli.md).
    `,
    examples: [
      ['Check the definitions of this project', '$0 validate'],
      ['Check another definitions folder', '$0 validate --definitions test/e2e/project/container_definitions'],
      ['Check them for a tool, as JSON', '$0 validate --json'],
    ],
  });

  definitions = definitionsOption();
  settings = settingsOption();
  json = Option.Boolean('--json', false, { description: 'Print the result as JSON for tools (problems included) instead of lines' });

  async run(): Promise<number> {
    const { validateProject } = await import('../../app/validate.js');
    await validateProject(this.definitions, this.settings, this.json, this.context.env, this.context);
    return 0;
  }
}
