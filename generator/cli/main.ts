import { Builtins, Cli, type BaseContext, type Command } from 'clipanion';
import { commandName, reportFailure } from './failure.js';
import { CleanCacheCommand } from './commands/cache/clean.js';
import { ContainerJobsCommand } from './commands/container-jobs.js';
import { CreateJobsCommand } from './commands/create-jobs.js';
import { DemoCommand } from './commands/demo.js';
import { ArtifactsCommand } from './commands/gitlab/artifacts.js';
import { CleanBranchesCommand } from './commands/gitlab/clean-branches.js';
import { MergeRequestNoteCommand } from './commands/gitlab/merge-request-note.js';
import { PlanCommand } from './commands/plan.js';
import { ProcessSpackPipelineCommand } from './commands/process-spack-pipeline.js';
import { ModulesPublishCommand } from './commands/modules/publish.js';
import { MultiArchManifestsCommand } from './commands/multi-arch-manifests.js';
import { SchemasCommand } from './commands/schemas.js';
import { StatusCommand } from './commands/status.js';
import { SifUploadCommand } from './commands/sif/upload.js';
import { ValidateCommand } from './commands/validate.js';
import { packageVersion } from '../app/version.js';

export const commands = [
  ValidateCommand,
  CreateJobsCommand,
  ProcessSpackPipelineCommand,
  PlanCommand,
  ContainerJobsCommand,
  CleanCacheCommand,
  SchemasCommand,
  DemoCommand,
  SifUploadCommand,
  StatusCommand,
  ModulesPublishCommand,
  MultiArchManifestsCommand,
  MergeRequestNoteCommand,
  ArtifactsCommand,
  CleanBranchesCommand,
];

/**
 * Clipanion prints a command line it cannot parse on stdout with the whole usage and exits 1;
 * here it is one line on stderr naming the command, and exit code 2.
 */
class SpacktainersCli extends Cli {
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- clipanion's own Cli.run overload takes void for an empty context
  override async run(input: Command | string[], context: Partial<BaseContext> | void): Promise<number> {
    const full: BaseContext = { ...Cli.defaultContext, ...(context ?? {}) };
    if (!Array.isArray(input)) return super.run(input, full);
    let command: Command;
    try {
      command = this.process(input, full);
    } catch (error) {
      return reportFailure(error, commandName(typedPath(input)), full.stderr, input.includes('--verbose'));
    }
    return super.run(command, full);
  }
}

/** The longest command path the arguments start with, to name it in a usage error. */
function typedPath(input: string[]): string[] {
  const paths = commands.flatMap((command) => command.paths);
  return paths.filter((p) => p.every((word, index) => input[index] === word)).sort((a, b) => b.length - a.length)[0] ?? [];
}

export function buildCli(): Cli {
  const cli = new SpacktainersCli({
    binaryLabel: 'spacktainers',
    binaryName: 'spacktainers',
    binaryVersion: packageVersion(),
  });
  for (const command of commands) cli.register(command);
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await buildCli().run(argv, Cli.defaultContext);
}
