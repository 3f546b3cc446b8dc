/**
 * A problem with GitLab or a store it drives (a missing CI variable, a pipeline or job that
 * is missing or failed, a server that keeps failing). Printed as one line, never a stack.
 */
export class GitlabError extends Error {
  constructor(
    message: string,
    /** The HTTP status GitLab (or the store) answered with, when there was an answer. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GitlabError';
  }
}
