/**
 * The one error type of spacktainers, shared by every layer. A failure a user can act on is a
 * `SpacktainersError`: what went wrong (`problem`), where (`location`: a file position or an
 * option), what to do (`hint`), and why it is an error at all (`kind`). `cli/failure.ts` prints it
 * as one line per problem and picks the exit code by kind; anything else reaching it is a bug.
 */

/**
 * Why an error exists, which decides how it is printed and the exit code:
 * - `input`: something the user wrote is wrong or unreadable (a definition, the settings, a
 *   spack.lock, a folder an option names): fix the file, or give another folder. Exit 1.
 * - `usage`: the command line itself is wrong (an option's value does not parse or is out of
 *   range, a required option is missing): printed the way clipanion prints what it cannot parse,
 *   naming the command and pointing at its `--help`. Exit 2.
 * - `service`: an outside service (a bucket, a registry, the GitLab API and the CI variables it
 *   needs) failed, refused, or holds what cannot be used (a lease another run holds, an index that
 *   is not Spack's). The message names the service and what was asked. Exit 1.
 * - `system`: the layer beneath reported a failure in its own words (a connection, an S3 answer),
 *   which do not say what was being done: printed after the command's name. Exit 1.
 * - `limit`: the pipelines made from valid input would break GitLab's limits, one problem per
 *   broken limit; nothing was written. Exit 1.
 * - `internal`: a state the code should have made impossible, a bug: printed as unexpected, with
 *   a pointer to `--verbose` for where it happened. Exit 1.
 */
export type ErrorKind = 'input' | 'usage' | 'service' | 'system' | 'limit' | 'internal';

/** Where in a user file a problem is: 1-based line and column, and the key path. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  key?: string | undefined;
}

/** Which command-line option a problem is about, and the entry of its value, for options given as `key=value`. */
export interface OptionLocation {
  option: string;
  key?: string;
}

export type ProblemLocation = SourceLocation | OptionLocation;

/**
 * `file:line:col: key: problem` for a file, `--option: key: problem` for an option: the form of
 * every message about what a user wrote or typed (errors and warnings).
 */
export function formatProblem(location: ProblemLocation | undefined, problem: string): string {
  if (location === undefined) return problem;
  const position = 'option' in location ? location.option : filePosition(location);
  return location.key ? `${position}: ${location.key}: ${problem}` : `${position}: ${problem}`;
}

function filePosition({ file, line, column }: SourceLocation): string {
  return line === undefined ? file : `${file}:${line}:${column ?? 1}`;
}

export interface ErrorDetails {
  location?: ProblemLocation | undefined;
  /** What the user should do, printed after the problem. */
  hint?: string | undefined;
  /** The HTTP status a service answered with, when it answered. */
  status?: number | undefined;
  cause?: unknown;
}

export class SpacktainersError extends Error {
  readonly location: ProblemLocation | undefined;
  readonly hint: string | undefined;
  readonly status: number | undefined;
  #several: readonly SpacktainersError[] | undefined;

  constructor(
    readonly kind: ErrorKind,
    /** What is wrong, without the location or the hint. */
    readonly problem: string,
    details: ErrorDetails = {},
  ) {
    super(formatProblem(details.location, details.hint ? `${problem}; ${details.hint}` : problem), { cause: details.cause });
    this.name = 'SpacktainersError';
    this.location = details.location;
    this.hint = details.hint;
    this.status = details.status;
  }

  /** Each problem this error reports, one line each: itself, or the several found in one pass. */
  get problems(): readonly SpacktainersError[] {
    return this.#several ?? [this];
  }

  /** A problem in something a user wrote, at `location`. */
  static input(location: ProblemLocation, problem: string): SpacktainersError {
    return new SpacktainersError('input', problem, { location });
  }

  /** Several problems of one kind (at least one) found in one pass, so that a user can fix them all at once. */
  static all(errors: readonly SpacktainersError[]): SpacktainersError {
    const problems = errors.flatMap((error) => error.problems);
    const all = new SpacktainersError(problems[0]!.kind, problems.map((each) => each.problem).join('\n'));
    all.message = problems.map((each) => each.message).join('\n');
    all.#several = problems;
    return all;
  }
}

/** Throw all collected problems together (one alone as it is), or nothing when there are none. */
export function throwIfAny(errors: readonly SpacktainersError[]): void {
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw SpacktainersError.all(errors);
}

// What a Node error says, beneath whatever wrapped it: the adapters read it to decide on a retry
// and to word their errors, and the one handler to print an error that no adapter wrapped.

/** The system error code (ECONNREFUSED, ENOTFOUND, ...) of a failure or of what caused it. */
export function systemErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (current as { errors?: unknown }).errors;
    // Node's fetch reports a host with several addresses as an AggregateError of their failures.
    if (Array.isArray(errors) && errors.length > 0) return systemErrorCode(errors[0]);
  }
  return undefined;
}

/** The deepest message of a failure: Node's fetch says `fetch failed` and keeps the reason in `cause`. */
export function failureMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current = (error as { cause?: unknown }).cause, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.message) message = current.message;
  }
  return message.split('\n', 1)[0]!;
}
