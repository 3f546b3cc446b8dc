import type { Writable } from 'node:stream';
import type { ProgressSink } from '../io/retry.js';

/** Where a use case prints as it goes: a command hands over its own stdout and stderr. */
export interface Terminal {
  stdout: Writable;
  stderr: Writable;
}

/** The adapters' progress lines (their retries), each a line on the terminal's stderr. */
export function progressSink(terminal: Terminal): ProgressSink {
  return (line) => {
    terminal.stderr.write(`${line}\n`);
  };
}
