/**
 * An outside service (a bucket, an endpoint) failed in a way the user can act on: the message
 * is one line naming what failed and what to do, never a credential. Printed without a stack.
 */
export class ServiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceError';
  }
}
