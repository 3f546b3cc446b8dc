import { Gitlab, GitbeakerRequestError, GitbeakerRetryError } from '@gitbeaker/rest';
import type { Settings } from '../settings/settings.js';
import { GitlabError } from './errors.js';

export type GitlabApi = Gitlab<false>;

/** The GitLab project a job runs in, reached through the API with the settings' token. */
export interface GitlabProject {
  api: GitlabApi;
  projectId: string;
  retry: RetryPolicy;
}

/**
 * Backoff for answers worth retrying (429 and 5xx). Gitbeaker itself only retries 429 and 502,
 * with delays of a few milliseconds; this covers the other 5xx and a server that needs longer.
 */
export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, firstDelayMs: 2_000 };

/**
 * Connect from GitLab's predefined CI variables (CI_API_V4_URL, CI_PROJECT_ID) and the token
 * in the CI variable named by `gitlab.tokenVariable`. The token is only ever put in a header.
 */
export function gitlabProject(settings: Settings, environment: NodeJS.ProcessEnv, retry = DEFAULT_RETRY): GitlabProject {
  const variable = (name: string) => {
    const value = environment[name];
    if (!value) throw new GitlabError(`the CI variable ${name} is not set (the GitLab API needs it)`);
    return value;
  };
  const apiUrl = variable('CI_API_V4_URL').replace(/\/+$/, '');
  if (!apiUrl.endsWith('/api/v4')) throw new GitlabError(`CI_API_V4_URL must end with /api/v4, got ${apiUrl}`);
  const api = new Gitlab({
    // Gitbeaker appends /api/v4 itself; keeping the rest of the path supports GitLab under a sub-path.
    host: apiUrl.slice(0, -'/api/v4'.length),
    token: variable(settings.gitlab.tokenVariable),
  });
  return { api, projectId: variable('CI_PROJECT_ID'), retry };
}

/** HTTP status of a failed gitbeaker call, when the server answered. */
export function responseStatus(error: unknown): number | undefined {
  if (!(error instanceof GitbeakerRequestError)) return undefined;
  const response = (error.cause as { response?: Response } | undefined)?.response;
  return response?.status;
}

function retryable(error: unknown): boolean {
  if (error instanceof GitbeakerRetryError) return true;
  const status = responseStatus(error);
  return status === 429 || (status !== undefined && status >= 500);
}

/** Run one API call, retrying 429/5xx with exponential backoff; `what` names it in the error. */
export async function withRetries<T>(project: GitlabProject, what: string, call: () => Promise<T>): Promise<T> {
  const { attempts, firstDelayMs } = project.retry;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!retryable(error) || attempt >= attempts) throw new GitlabError(`${what}: ${describeFailure(error)}`, responseStatus(error));
      await new Promise((resolve) => setTimeout(resolve, firstDelayMs * 2 ** (attempt - 1)));
    }
  }
}

function describeFailure(error: unknown): string {
  const status = responseStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  return status === undefined ? message : `HTTP ${status} ${message}`.trim();
}
