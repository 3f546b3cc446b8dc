import { WriteStream } from 'node:tty';
import { Builtins, Cli, type BaseContext, type Command, type CommandClass } from 'clipanion';
import { commandName, reportFailure } from './failure.js';
import { usageError } from './options.js';
import { commandHelp, commandList, missingOptions, usageLine, type CommandHelp, type OptionHelp } from './help.js';
import { CleanCacheCommand } from './commands/cache/clean.js';
import { ContainerJobsCommand } from './commands/container-jobs.js';
import { CreateJobsCommand } from './commands/create-jobs.js';
import { DemoCommand } from './commands/demo.js';
import { ArtifactsCommand } from './commands/gitlab/artifacts.js';
import { CleanBranchesCommand } from './commands/gitlab/clean-branches.js';
import { DurationsCommand } from './commands/gitlab/durations.js';
import { MergeRequestNoteCommand } from './commands/gitlab/merge-request-note.js';
import { PlanCommand } from './commands/plan.js';
import { ProcessSpackPipelineCommand } from './commands/process-spack-pipeline.js';
import { ModulesPublishCommand } from './commands/modules/publish.js';
import { MultiArchManifestsCommand } from './commands/multi-arch-manifests.js';
import { SchemasCommand } from './commands/schemas.js';
import { StatusCommand } from './commands/status.js';
import { SifUploadCommand } from './commands/sif/upload.js';
import { SpackMarkFailedCommand } from './commands/spack/mark-failed.js';
import { SpackWaitCommand } from './commands/spack/wait.js';
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
  DurationsCommand,
  SpackWaitCommand,
  SpackMarkFailedCommand,
];

/**
 * Clipanion prints a command line it cannot parse on stdout with the whole usage and exits 1;
 * here it is one line on stderr naming the command, and exit code 2. The help is cli/help.ts's.
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
      const path = typedPath(input);
      return reportFailure(this.withUsage(error, path, input), commandName(path), full.stderr, input.includes('--verbose'));
    }
    return super.run(command, full);
  }

  /** Every help clipanion prints: the list of commands, a command's (`--help`), a command's usage line. */
  override usage(command: CommandClass | Command | null = null, { colored, detailed = false }: { colored?: boolean; detailed?: boolean } = {}): string {
    const format = this.format(colored);
    const commandClass = command === null || typeof command === 'function' ? command : (command.constructor as CommandClass);
    if (commandClass === null)
      return commandList(this.binaryName, `${this.binaryLabel ?? this.binaryName} ${this.binaryVersion ?? ''}`.trim(), this.helps(), format);
    const help = this.help(commandClass);
    return detailed ? commandHelp(this.binaryName, help, format) : `${format.bold('$ ')}${usageLine(this.binaryName, help)}\n`;
  }

  /**
   * Clipanion's "missing or wrong arguments" of one command, as a usage error naming the options
   * it needs that are missing, with the usage line of the help.
   */
  private withUsage(error: unknown, path: string[], input: string[]): unknown {
    const commandClass = [...this.registrations].find(([, { builder }]) => builder.paths.some((p) => p.join(' ') === path.join(' ')))?.[0];
    // A candidate with a reason is an option clipanion could not read: its own words say which.
    const candidates = (error as { candidates?: { reason: string | null }[] }).candidates;
    if (commandClass === undefined || candidates?.length !== 1 || candidates[0]!.reason !== null) return error;
    const help = this.help(commandClass);
    const missing = missingOptions(help, input);
    return usageError(`${missing.length > 0 ? `missing ${missing.join(', ')}` : 'missing or wrong arguments'}; usage: ${usageLine(this.binaryName, help)}`);
  }

  private helps(): CommandHelp[] {
    return [...this.registrations.keys()].filter((commandClass) => commandClass.usage !== undefined).map((commandClass) => this.help(commandClass));
  }

  /**
   * A command's help, from the option definitions clipanion keeps: each option is asked to
   * define itself (its names, description, whether it takes a value) and to give its value for
   * an empty command line (its default).
   */
  private help(commandClass: CommandClass): CommandHelp {
    const registration = this.registrations.get(commandClass)!;
    const options: OptionHelp[] = [];
    const positionals: string[] = [];
    for (const [key, spec] of registration.specs) {
      const recorder = {
        addOption: ({
          names,
          description = '',
          arity = 0,
          required = false,
        }: {
          names: string[];
          description?: string;
          arity?: number;
          required?: boolean;
        }) => {
          const value: unknown = spec.transformer(registration.builder, key, EMPTY_COMMAND_LINE, { ...Cli.defaultContext, env: {} });
          options.push({ names, takesValue: arity > 0, description, required, defaultValue: shownDefault(value) });
        },
        addPositional: ({ name = key, required = true }: { name?: string; required?: boolean }) => positionals.push(required ? `<${name}>` : `[${name}]`),
      };
      spec.definition(recorder as unknown as typeof registration.builder, key);
    }
    return { path: registration.builder.paths[0] ?? [], options, positionals, usage: commandClass.usage ?? {} };
  }
}

/** A command line with no option and no argument: what each option's value is then is its default. */
const EMPTY_COMMAND_LINE = {
  candidateUsage: null,
  requiredOptions: [],
  errorMessage: null,
  ignoreOptions: false,
  options: [],
  path: [],
  positionals: [],
  remainder: null,
  selectedIndex: null,
};

/** A default worth showing: a value, not the absence of one (false, an empty list or text). */
function shownDefault(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The longest command path the arguments start with, to name it in a usage error. */
function typedPath(input: string[]): string[] {
  const paths = commands.flatMap((command) => command.paths);
  return paths.filter((p) => p.every((word, index) => input[index] === word)).sort((a, b) => b.length - a.length)[0] ?? [];
}

/**
 * The CLI; `colored`: whether its help may be coloured (its commands' own output never is).
 * Clipanion would decide from the process's terminal, whatever stream the help goes to.
 */
export function buildCli(colored = false): Cli {
  const cli = new SpacktainersCli({
    binaryLabel: 'spacktainers',
    binaryName: 'spacktainers',
    binaryVersion: packageVersion(),
    enableColors: colored,
  });
  for (const command of commands) cli.register(command);
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  return cli;
}

/**
 * How many colours the help may use on `stream`: none on a pipe or file, none with NO_COLOR set
 * (https://no-color.org), and what FORCE_COLOR asks even on a pipe. Node reads NO_COLOR,
 * FORCE_COLOR and TERM; clipanion would ask it without the stream, so colours reached pipes.
 */
export function colorDepth(stream: { isTTY?: boolean }, environment: NodeJS.ProcessEnv): number {
  return stream.isTTY || environment.FORCE_COLOR !== undefined ? WriteStream.prototype.getColorDepth(environment) : 1;
}

export async function main(argv: string[]): Promise<void> {
  const depth = colorDepth(process.stdout, process.env);
  process.exitCode = await buildCli(depth > 1).run(argv, { ...Cli.defaultContext, colorDepth: depth });
}
