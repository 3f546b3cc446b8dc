import type { Writable } from 'node:stream';
import { ServiceError } from '../io/errors.js';
import { LeaseHeldError, LeaseLostError } from '../cache/lease.js';
import { SpackIndexError } from '../cache/spack-index.js';
import { InputError, InputErrors } from '../input/errors.js';
import { PipelineLimitError } from '../pipeline/output.js';
import { failureMessage, systemErrorCode } from '../io/retry.js';

/** Exit codes: a failure the message explains, and a command line that does not parse. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Errors whose message is already the line(s) a user needs: what failed and what to do. */
const EXPLAINED = [InputError, InputErrors, ServiceError, LeaseHeldError, LeaseLostError, SpackIndexError];

function isUsageError(error: unknown): boolean {
  return (error as { clipanion?: { type?: string } } | undefined)?.clipanion !== undefined;
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

/** What a user reads about a failure: each line names what failed and what to do. */
export function failureLines(error: unknown, command: string): string {
  if (isUsageError(error)) return `${command}: ${usageProblem(error)} (see ${command} --help)`;
  if (EXPLAINED.some((kind) => error instanceof kind)) return (error as Error).message;
  if (error instanceof PipelineLimitError) {
    return error.violations.map((violation) => `${violation} (GitLab would refuse this pipeline; nothing was written)`).join('\n');
  }
  // A system error names its file or address, which is what the user has to look at.
  if (systemErrorCode(error) !== undefined) return `${command}: ${failureMessage(error)}`;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined) {
    return `${command}: S3 answered HTTP ${status} ${(error as Error).name}: ${firstLine(error)}; check the bucket names and the credentials in settings s3`;
  }
  return `${command}: ${firstLine(error)} (unexpected; run again with --verbose to see where it happened)`;
}

/** Whether to print stack traces: `--verbose`, or a DEBUG variable as many Node tools read it. */
export function wantsStack(verbose: boolean): boolean {
  return verbose || Boolean(process.env.DEBUG);
}

/** Print a failure the one way every command does; returns the exit code. */
export function reportFailure(error: unknown, command: string, stderr: Writable, verbose: boolean): number {
  stderr.write(`${failureLines(error, command)}\n`);
  if (wantsStack(verbose) && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return isUsageError(error) ? EXIT_USAGE : EXIT_FAILURE;
}
