/**
 * An outside service (a bucket, an endpoint) failed in a way the user can act on: the message
 * is one line naming what failed and what to do, never a credential. Printed without a stack.
 */
export class ServiceError extends Error {
  /** The HTTP status the service answered with, when there was an answer. */
  readonly status: number | undefined;

  constructor(message: string, options: { cause?: unknown; status?: number | undefined } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ServiceError';
    this.status = options.status;
  }
}
