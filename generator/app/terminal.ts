import type { Writable } from 'node:stream';

/** Where a use case prints as it goes: a command hands over its own stdout and stderr. */
export interface Terminal {
  stdout: Writable;
  stderr: Writable;
}
