import { systemErrorCode } from '../errors.js';
/**
 * The one retry policy of every outside service (S3, the GitLab API): exponential backoff with
 * jitter, one progress line per retry, and no retry of what another try cannot fix.
 */
export interface RetryPolicy {
  /** Most tries of one call, the first included. */
  attempts: number;
  /** Longest wait before the second try; it doubles each try, capped at MAX_DELAY_MS. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1_000 };

const MAX_DELAY_MS = 20_000;

/**
 * Nothing listens at the address (or its route or name server is down): worth a second look in
 * case a service restarts, not the whole backoff a throttling server gets.
 */
const UNREACHABLE_ATTEMPTS = 3;

/**
 * How another try may go: `transient` is server trouble (throttling, 5xx, a cut connection),
 * `unreachable` is no connection at all, `permanent` is what a retry cannot change (a name that
 * does not resolve, missing or refused credentials, a 4xx answer).
 */
export type FailureKind = 'transient' | 'unreachable' | 'permanent';

const PERMANENT_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** What a failed connection (no answer from the server) allows, or undefined when the server answered. */
export function connectionFailureKind(error: unknown): FailureKind | undefined {
  const code = systemErrorCode(error);
  if (code === undefined) return undefined;
  if (PERMANENT_CODES.has(code)) return 'permanent';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  return 'transient';
}

/** Where an adapter's progress lines go, one line at a time without its newline: a command's stderr, handed down from cli/. */
export type ProgressSink = (line: string) => void;

export interface Retrying {
  policy: RetryPolicy;
  kind(error: unknown): FailureKind;
  /** The cause as the progress line and the final error show it: one line, never a credential. */
  describe(error: unknown): string;
  log: ProgressSink;
}

/** Run `call`, retrying what `kind` allows; the last failure is rethrown as it came. */
export async function withRetry<T>(what: string, call: () => Promise<T>, retrying: Retrying): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const kind = retrying.kind(error);
      const attempts = kind === 'unreachable' ? Math.min(UNREACHABLE_ATTEMPTS, retrying.policy.attempts) : retrying.policy.attempts;
      if (kind === 'permanent' || attempt >= attempts) throw error;
      await pauseBeforeRetry({ what, attempt, attempts, cause: retrying.describe(error) }, retrying);
    }
  }
}

/** Say which try failed and why, then wait out the backoff before the next one. */
export async function pauseBeforeRetry(
  failed: { what: string; attempt: number; attempts: number; cause: string },
  { policy, log }: Pick<Retrying, 'policy' | 'log'>,
): Promise<void> {
  // Half the ceiling plus jitter, so that parallel jobs hit by the same outage spread out.
  const ceiling = Math.min(MAX_DELAY_MS, policy.baseDelayMs * 2 ** (failed.attempt - 1));
  const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  log(`${failed.what}: attempt ${failed.attempt}/${failed.attempts} failed (${failed.cause}); retrying in ${(delay / 1000).toFixed(1)} s`);
  await new Promise((resolve) => setTimeout(resolve, delay));
}
