import { Gitlab, GitbeakerRequestError, GitbeakerRetryError } from '@gitbeaker/rest';
import type { Settings } from '../../settings/settings.js';
import { SpacktainersError, failureMessage } from '../../errors.js';
import { connectionFailureKind, DEFAULT_RETRY, withRetry, type FailureKind, type ProgressSink, type RetryPolicy } from '../retry.js';

export type GitlabApi = Gitlab;

/** The GitLab project a job runs in, reached through the API with the settings' token. */
export interface GitlabProject {
  api: GitlabApi;
  projectId: string;
  retry: RetryPolicy;
  /** Where retries are reported, one line each. */
  log: ProgressSink;
}

/**
 * Connect from GitLab's predefined CI variables (CI_API_V4_URL, CI_PROJECT_ID) and the token
 * in the CI variable named by `gitlab.tokenVariable`. The token is only ever put in a header.
 */
export function gitlabProject(settings: Settings, environment: NodeJS.ProcessEnv, log: ProgressSink, retry: RetryPolicy = DEFAULT_RETRY): GitlabProject {
  const variable = (name: string) => {
    const value = environment[name];
    if (!value) throw new SpacktainersError('service', `the CI variable ${name} is not set (the GitLab API needs it)`);
    return value;
  };
  const apiUrl = variable('CI_API_V4_URL').replace(/\/+$/, '');
  if (!apiUrl.endsWith('/api/v4')) throw new SpacktainersError('service', `CI_API_V4_URL must end with /api/v4, got ${apiUrl}`);
  const api = new Gitlab({
    // Gitbeaker appends /api/v4 itself; keeping the rest of the path supports GitLab under a sub-path.
    host: apiUrl.slice(0, -'/api/v4'.length),
    token: variable(settings.gitlab.tokenVariable),
  });
  return { api, projectId: variable('CI_PROJECT_ID'), retry, log };
}

/** HTTP status of a failed gitbeaker call, when the server answered. */
function responseStatus(error: unknown): number | undefined {
  if (!(error instanceof GitbeakerRequestError)) return undefined;
  const response = (error.cause as { response?: Response } | undefined)?.response;
  return response?.status;
}

/**
 * Gitbeaker itself only retries 429 and 502, a few milliseconds apart; this covers the other 5xx,
 * a server that needs longer, and a connection that fails before any answer.
 */
function failureKind(error: unknown): FailureKind {
  if (error instanceof GitbeakerRetryError) return 'transient';
  const status = responseStatus(error);
  if (status === undefined) return connectionFailureKind(error) ?? 'permanent';
  return status === 429 || status >= 500 ? 'transient' : 'permanent';
}

/** Run one API call, retrying what another try may fix; `what` names it in the progress lines and the error. */
export async function withRetries<T>(project: GitlabProject, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await withRetry(what, call, { policy: project.retry, kind: failureKind, describe: describeFailure, log: project.log });
  } catch (error) {
    throw new SpacktainersError('service', `${what}: ${describeFailure(error)}`, { status: responseStatus(error), hint: hint(error) });
  }
}

function hint(error: unknown): string | undefined {
  const status = responseStatus(error);
  if (status === 401 || status === 403) return 'check the token in the CI variable named by settings gitlab.tokenVariable';
  return connectionFailureKind(error) === undefined ? undefined : 'check CI_API_V4_URL';
}

function describeFailure(error: unknown): string {
  const status = responseStatus(error);
  const message = failureMessage(error);
  return status === undefined ? message : `HTTP ${status} ${message}`.trim();
}
