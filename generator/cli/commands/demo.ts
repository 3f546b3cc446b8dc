import { Option } from 'clipanion';
import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, settingsOption } from '../options.js';

export class DemoCommand extends SpacktainersCommand {
  static override paths = [['demo']];
  static override usage = SpacktainersCommand.Usage({
    description: "Run the root pipeline's generator steps offline, on bundled Spack outputs",
    details: `
      What \`npm start\` runs. It needs no network and no credentials: it runs \`create-jobs\`, then
      copies the real \`spack ci generate\` outputs bundled in examples/spack-outputs/ to where the
      generate jobs would write them, then runs \`process-spack-pipeline\` and \`container-jobs\`
      for each architecture that has outputs, as the pipeline does but \`--offline\` (nothing is
      taken as already published), and shows \`status\`. Everything is written to generated/.
    `,
    examples: [['Generate everything for the bundled definitions', '$0 demo']],
  });

  definitions = definitionsOption();
  settings = settingsOption();
  examples = Option.String('--examples', 'examples/spack-outputs', { description: 'Bundled spack ci generate outputs' });

  async run(): Promise<number> {
    const { runDemo } = await import('../../app/demo.js');
    const options = { definitions: this.definitions, settings: this.settings, examples: this.examples };
    return runDemo(options, this.context.env, this.context, (args) => this.cli.run(args));
  }
}
