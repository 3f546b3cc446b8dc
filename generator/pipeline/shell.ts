/**
 * POSIX shell quoting for values that came from a user file or from settings. Everything
 * interpolated into a generated script goes through `shellQuote`, so a name or a spec can
 * never become shell syntax even if validation were bypassed.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** Join words into one shell command line, quoting each. */
export function shellCommand(...words: string[]): string {
  return words.map(shellQuote).join(' ');
}
