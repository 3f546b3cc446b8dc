import { Option } from 'clipanion';
import { SpacktainersCommand } from '../base-command.js';

export class SchemasCommand extends SpacktainersCommand {
  static override paths = [['schemas']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Write the JSON Schemas of definition and settings files, for editors',
    details: `
      The schemas are made from the checks \`validate\` runs, so an editor and the generator agree.
      Definitions refer to them with a \`# yaml-language-server: $schema=...\` first line.
    `,
    examples: [['Refresh schemas/', '$0 schemas']],
  });

  output = Option.String('--output', 'schemas', { description: 'Folder to write the schemas to' });

  async run(): Promise<number> {
    const { writeJsonSchemas } = await import('../../app/schemas.js');
    await writeJsonSchemas(this.output, this.context);
    return 0;
  }
}
