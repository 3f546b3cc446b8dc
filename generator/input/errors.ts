/** Where in a user file a problem is: 1-based line and column, and the key path. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  key?: string | undefined;
}

/** A problem in something a user wrote. Printed as `file:line:col: key: message`. */
export class InputError extends Error {
  constructor(
    readonly location: SourceLocation,
    readonly problem: string,
  ) {
    super(formatProblem(location, problem));
    this.name = 'InputError';
  }
}

/** A problem with a command-line option's value. Printed as `--option: message`. */
export class OptionError extends InputError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super({ file: option }, problem);
    this.name = 'OptionError';
  }
}

/** Several input problems found in one pass, so a user can fix them all at once. */
export class InputErrors extends Error {
  constructor(readonly errors: InputError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'InputErrors';
  }
}

/** `file:line:col: key: problem`, the form of every message about a user file (errors and warnings). */
export function formatProblem({ file, line, column, key }: SourceLocation, problem: string): string {
  const position = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
  return key ? `${position}: ${key}: ${problem}` : `${position}: ${problem}`;
}

/** Throw all collected problems together, or nothing when there are none. */
export function throwIfAny(errors: InputError[]): void {
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new InputErrors(errors);
}
