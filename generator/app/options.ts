/**
 * The vocabulary of the commands' options: the values an option may take and the defaults its
 * help names, as the domain defines them, so that a command parses its options without reaching
 * into the domain.
 */
export { CACHE_KINDS, DEFAULT_SETTINGS_FILE } from '../settings/settings.js';
export { DEFAULT_LIMITS, type GitLabLimits } from '../pipeline/limits.js';
export { DEFAULT_GRACE_HOURS } from '../cache/clean.js';
export { CHILD_LINKS } from '../spack/split.js';
