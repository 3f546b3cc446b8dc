import type { Writable } from 'node:stream';
import { failureMessage, SpacktainersError, systemErrorCode } from '../errors.js';

/** Exit codes: a failure the message explains, and a command line that does not parse. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** What clipanion throws for a command line it cannot parse, or an option value its validator refuses. */
function isClipanionUsageError(error: unknown): boolean {
  return (error as { clipanion?: { type?: string } } | undefined)?.clipanion !== undefined;
}

function isUsageError(error: unknown): boolean {
  return isClipanionUsageError(error) || (error instanceof SpacktainersError && error.kind === 'usage');
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!;
}

/** Clipanion's "did you mean" lists every candidate's usage over several lines. */
function usageProblem(error: unknown): string {
  const candidates = (error as { candidates?: { usage: string; reason: string | null }[] }).candidates;
  if (!candidates || candidates.some((candidate) => candidate.reason !== null)) return firstLine(error);
  return candidates.length === 1 ? `missing or wrong arguments; usage: ${candidates[0]!.usage}` : 'unknown command';
}

/** `spacktainers <command>`, as the user typed it. */
export function commandName(path: string[]): string {
  return ['spacktainers', ...path].join(' ');
}

function unexpected(problem: string, command: string): string {
  return `${command}: ${problem} (unexpected; run again with --verbose to see where it happened)`;
}

/** One problem's line, framed by its kind (see ErrorKind). */
function problemLine(problem: SpacktainersError, command: string): string {
  switch (problem.kind) {
    case 'usage':
      return `${command}: ${problem.message} (see ${command} --help)`;
    case 'system':
      return `${command}: ${problem.message}`;
    case 'limit':
      return `${problem.message} (GitLab would refuse this pipeline; nothing was written)`;
    case 'internal':
      return unexpected(firstLine(problem), command);
    case 'input':
    case 'service':
      return problem.message;
  }
}

/** What a user reads about a failure: each line names what failed and what to do. */
export function failureLines(error: unknown, command: string): string {
  if (isClipanionUsageError(error)) return `${command}: ${usageProblem(error)} (see ${command} --help)`;
  if (error instanceof SpacktainersError) return error.problems.map((problem) => problemLine(problem, command)).join('\n');
  // A Node error that no adapter wrapped (the file system is called from every reader and
  // writer): its code names the failure and its deepest message the path or address.
  if (systemErrorCode(error) !== undefined) return `${command}: ${failureMessage(error)}`;
  return unexpected(firstLine(error), command);
}

/** Whether to print stack traces: `--verbose`, or a DEBUG variable as many Node tools read it. */
function wantsStack(verbose: boolean): boolean {
  return verbose || Boolean(process.env.DEBUG);
}

/** Print a failure the one way every command does; returns the exit code. */
export function reportFailure(error: unknown, command: string, stderr: Writable, verbose: boolean): number {
  stderr.write(`${failureLines(error, command)}\n`);
  if (wantsStack(verbose) && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return isUsageError(error) ? EXIT_USAGE : EXIT_FAILURE;
}
