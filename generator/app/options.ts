import { OptionError } from '../input/errors.js';
import type { CacheKind } from '../settings/settings.js';

/**
 * The vocabulary of the commands' options: the values an option may take and the defaults its
 * help names, as the domain defines them, so that a command parses its options without reaching
 * into the domain.
 */
export { ARCHITECTURES } from '../settings/settings.js';
export { DEFAULT_LIMITS, type GitLabLimits } from '../pipeline/limits.js';
export { DEFAULT_GRACE_HOURS } from '../cache/clean.js';

export const CACHE_KINDS: readonly CacheKind[] = ['production', 'development'];

/** `value` when `allowed` holds it; otherwise an error naming the option and what it takes. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new OptionError(option, `must be one of ${allowed.join(', ')}, got ${value}`);
  }
  return value as T;
}
