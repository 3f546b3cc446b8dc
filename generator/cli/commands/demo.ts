import { Option } from 'clipanion';
import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, settingsOption } from '../options.js';
import { copyExampleOutputs } from '../../app/example-outputs.js';
import { loadProject } from '../../app/project.js';
import { ARCHITECTURES } from '../../settings/settings.js';
import { spackOutputsRoot } from '../../spack/environment.js';

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
    const generated = 'generated';
    const step = (args: string[]) => this.cli.run(args);
    const common = ['--definitions', this.definitions, '--settings', this.settings, '--offline'];
    if ((await step(['create-jobs', ...common, '--output', generated])) !== 0) return 1;
    const project = await loadProject(this.definitions, this.settings, this.context.env);
    const copied = await copyExampleOutputs(project.definitions, this.examples, generated);
    this.context.stdout.write(`generate jobs (stood in for by ${this.examples}): ${copied.join(', ') || 'none'}\n`);
    for (const arch of ARCHITECTURES) {
      const missing = project.definitions.definitions.filter((d) => d.arch === arch && d.kind === 'spack' && !copied.includes(`${arch}/${d.name}`));
      if (missing.length > 0) {
        this.context.stdout.write(
          `${arch}: no bundled Spack outputs for ${missing.map((d) => d.name).join(', ')}; skipped here, its generate jobs run in GitLab\n`,
        );
        continue;
      }
      const spack = [
        '--arch',
        arch,
        '--settings',
        this.settings,
        '--input',
        spackOutputsRoot(arch, generated),
        '--output',
        `${generated}/${arch}/spack-pipeline`,
      ];
      if ((await step(['process-spack-pipeline', ...spack])) !== 0) return 1;
      if ((await step(['container-jobs', '--arch', arch, ...common, '--generated', generated])) !== 0) return 1;
    }
    // What a user asks once the pipeline ran: where is my container, and what is inside.
    this.context.stdout.write('\nspacktainers status --offline (offline, nothing is taken as published):\n');
    if ((await step(['status', ...common, '--generated', generated])) !== 0) return 1;
    this.context.stdout.write('\nspacktainers status --package python:\n');
    return step(['status', '--definitions', this.definitions, '--settings', this.settings, '--generated', generated, '--package', 'python']);
  }
}
