import { Builtins, Cli } from 'clipanion';
import { PlanCommand } from './commands/plan.js';
import { ProcessSpackPipelineCommand } from './commands/process-spack-pipeline.js';
import { ValidateCommand } from './commands/validate.js';

export const commands = [ValidateCommand, ProcessSpackPipelineCommand, PlanCommand];

export function buildCli(): Cli {
  const cli = new Cli({
    binaryLabel: 'spacktainers',
    binaryName: 'spacktainers',
    binaryVersion: '0.1.0',
  });
  for (const command of commands) cli.register(command);
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await buildCli().run(argv, Cli.defaultContext);
}
