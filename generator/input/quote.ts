const MAX_QUOTED = 60;

/**
 * A user's value as an error message shows it: quoted, its first line only, cut at 60
 * characters. A message goes to CI job logs, and a value can be a whole file (a definition
 * that is a link to /etc/passwd reads as one long string).
 */
export function quoteValue(value: string): string {
  return firstLine(value, MAX_QUOTED) === value ? JSON.stringify(value) : quoteStart(value);
}

/** The start of `text` (its first line, at most 60 characters), quoted, marked as cut. */
export function quoteStart(text: string): string {
  return `${JSON.stringify(firstLine(text, MAX_QUOTED).trimEnd())}...`;
}

/** The first line of `text`, at most `max` characters: what a message may echo of a file. */
export function firstLine(text: string, max: number): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? line.slice(0, max) : line;
}
