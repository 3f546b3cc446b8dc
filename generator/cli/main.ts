import { Builtins, Cli } from 'clipanion';
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
