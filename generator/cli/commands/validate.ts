import path from 'node:path';
import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, settingsOption } from '../options.js';
import { loadDefinitions, loadSettings } from '../../app/project.js';

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
    const root = path.resolve(path.dirname(this.definitions));
    await loadSettings(this.settings, this.context.env);
    const set = await loadDefinitions(path.resolve(this.definitions), root);
    for (const definition of set.definitions) {
      this.context.stdout.write(`ok  ${definition.arch}/${definition.name}  (${definition.file})\n`);
      for (const warning of definition.kind === 'spack' ? definition.warnings : []) this.context.stderr.write(`warning: ${warning}\n`);
    }
    for (const off of set.switchedOff) this.context.stdout.write(`off ${off}\n`);
    this.context.stdout.write(`${set.definitions.length} definitions valid\n`);
    return 0;
  }
}
