import { SpacktainersError } from '../errors.js';
/**
 * Generated scripts as data. A command is a list of words, turned into shell text in one place
 * (`renderCommand`), so that a name, a spec or a path from a user file or the settings is
 * always quoted and can never become shell syntax, even if validation were bypassed:
 * - a `string` is a value, quoted as needed;
 * - `ciVariable(NAME)` is a CI variable's value, rendered `"${NAME}"` (the name checked);
 * - `sh\`...\`` is shell syntax (a pipe, `>`, `$(...)`, `&&`, `trap ...`) that the code itself
 *   wrote: the tag takes a literal only, as TypeScript refuses `${...}` in it;
 * - `quoted(...)` is one double-quoted word of values and variables, `joined(...)` glues words
 *   together without a space, `assignment(NAME, value)` is `NAME=value`, and `comment(...)`
 *   is `# ...` to the end of the line.
 */

/** A variable's name, checked: it is written into scripts unquoted. */
function variableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new SpacktainersError('internal', `internal: "${name}" is not a shell variable name`);
  return name;
}

// Every word class keeps its content private: that makes the types nominal, so an object
// literal shaped like a word cannot pass for one.

/** Shell syntax written by the code, never made from data. */
export class ShellSyntax {
  private constructor(private readonly text: string) {}

  /** The `sh` tag: `values` is `never[]`, so a template with `${...}` does not compile. */
  static literal(strings: TemplateStringsArray, ...values: never[]): ShellSyntax {
    if (strings.length !== 1 || values.length > 0) throw new SpacktainersError('internal', 'internal: shell syntax is a literal without interpolation');
    return new ShellSyntax(strings[0]!);
  }

  render(): string {
    return this.text;
  }
}

export const sh = (strings: TemplateStringsArray, ...values: never[]): ShellSyntax => ShellSyntax.literal(strings, ...values);

/** The value of a CI (environment) variable, read when the job runs. */
export class CiVariable {
  private constructor(private readonly name: string) {}

  static named(name: string): CiVariable {
    return new CiVariable(variableName(name));
  }

  /** `${NAME}`, as written inside double quotes. */
  expansion(): string {
    return `\${${this.name}}`;
  }

  render(): string {
    return `"${this.expansion()}"`;
  }
}

export const ciVariable = (name: string): CiVariable => CiVariable.named(name);

/** One double-quoted word: values (escaped for double quotes) and variables, adjacent. */
export class QuotedWord {
  constructor(private readonly parts: readonly (string | CiVariable)[]) {}

  render(): string {
    // Inside double quotes only $ ` " \ are special; each is escaped with a backslash.
    const inside = this.parts.map((part) => (typeof part === 'string' ? part.replace(/[$`"\\]/g, '\\$&') : part.expansion()));
    return `"${inside.join('')}"`;
  }
}

/** Words glued together without a space, each rendered as it would be alone. */
export class JoinedWord {
  constructor(private readonly parts: readonly ShellWord[]) {}

  render(): string {
    return this.parts.map(renderWord).join('');
  }
}

/** `NAME=value`, the name checked. */
export class Assignment {
  private readonly name: string;
  constructor(
    name: string,
    private readonly value: string | CiVariable,
  ) {
    this.name = variableName(name);
  }

  render(): string {
    return `${this.name}=${renderWord(this.value)}`;
  }
}

/** A comment to the end of the line: its values are written as they are, on the one line. */
export class Comment {
  constructor(private readonly parts: readonly string[]) {}

  render(): string {
    return `# ${this.parts.join(' ').replace(/[\r\n]/g, ' ')}`;
  }
}

export type ShellWord = string | CiVariable | ShellSyntax | QuotedWord | JoinedWord | Assignment | Comment;

/** One line of a script: its words, separated by a space when rendered. */
export interface ShellCommand {
  readonly words: readonly ShellWord[];
}

export function shellCommand(...words: ShellWord[]): ShellCommand {
  return { words };
}

export function quoted(...parts: (string | CiVariable)[]): QuotedWord {
  return new QuotedWord(parts);
}

export function joined(...parts: ShellWord[]): JoinedWord {
  return new JoinedWord(parts);
}

export function assignment(name: string, value: string | CiVariable): Assignment {
  return new Assignment(name, value);
}

/** `# text`: the parts separated by a space; a line break in a value cannot end the comment. */
export function comment(...parts: string[]): Comment {
  return new Comment(parts);
}

/** POSIX shell quoting of one value: bare when it holds no character the shell reads. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

function renderWord(word: ShellWord): string {
  return typeof word === 'string' ? shellQuote(word) : word.render();
}

/** The one place where a command becomes shell text. */
export function renderCommand(command: ShellCommand): string {
  return command.words.map(renderWord).join(' ');
}

/** A script file: one command per line. */
export function renderScript(commands: ShellCommand[]): string {
  return `${commands.map(renderCommand).join('\n')}\n`;
}
