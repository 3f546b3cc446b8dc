import { Option } from 'clipanion';
import { failureMessage, SpacktainersError, systemErrorCode, type OptionLocation } from '../errors.js';
import { DEFAULT_LIMITS, DEFAULT_SETTINGS_FILE, type GitLabLimits } from '../app/options.js';

/**
 * The folder holding the project's definitions, settings and outputs. A command runs in it, so
 * every relative path of its other options is taken from it, as in a CI job's checkout.
 */
export const projectOption = () =>
  Option.String('--project', '.', {
    description: 'Project folder: settings, container_definitions/, base-images/, spacktainer/, generated/; other relative paths are taken from it',
  });

/** Make the `--project` folder the current one. */
export function enterProject(folder: string): void {
  if (folder === '.') return;
  try {
    process.chdir(folder);
  } catch (error) {
    const code = systemErrorCode(error);
    const problem = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : failureMessage(error);
    throw SpacktainersError.input({ option: '--project' }, `${folder} ${problem}`);
  }
}

/** Options shared by the commands that read the project's definitions and settings. */
export const definitionsOption = () =>
  Option.String('--definitions', 'container_definitions', {
    description: 'Folder holding <arch>/<name>.yaml, <arch>/<name>/spack.yaml and <arch>/<name>.def definitions',
  });

export const settingsOption = () =>
  Option.String('--settings', DEFAULT_SETTINGS_FILE, {
    description: 'Settings file (CI variables SPACKTAINERS_* override its values)',
  });

export const generatedOption = (flag = '--generated') =>
  Option.String(flag, 'generated', {
    description: 'The folder create-jobs writes and the generate jobs fill (a path relative to the project)',
  });

export const archOption = () =>
  Option.String('--arch', {
    required: true,
    description: "Architecture: one of the settings' architectures",
  });

export const offlineOption = () =>
  Option.Boolean('--offline', false, {
    description: 'Ask no registry and no bucket: assume nothing is published yet, so every step is emitted',
  });

export const maxYamlBytesOption = (description: string) => Option.String('--max-yaml-bytes', String(DEFAULT_LIMITS.maxYamlBytes), { description });

/** GitLab's default limits with another YAML budget, from `--max-yaml-bytes`. */
export function limitsWithYamlBytes(value: string): GitLabLimits {
  return { ...DEFAULT_LIMITS, maxYamlBytes: positiveInteger('--max-yaml-bytes', value) };
}

/**
 * The one way a command checks an option's value itself (where a clipanion validator cannot: the
 * default comes from the settings, or the value is `key=value`): a value that does not fit is a
 * usage error naming the option, exit 2, as everything clipanion cannot parse.
 */
export function optionValueError(location: OptionLocation, problem: string): SpacktainersError {
  return new SpacktainersError('usage', problem, { location });
}

/** A command line that is wrong as a whole (options missing, or given together that exclude each other): a usage error, exit 2. */
export function usageError(problem: string): SpacktainersError {
  return new SpacktainersError('usage', problem);
}

/** The number an option's value spells, when `accepts` takes it. */
export function numberOption(option: string, value: string, accepts: (n: number) => boolean, problem = `invalid value ${JSON.stringify(value)}`): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || !accepts(number)) throw optionValueError({ option }, problem);
  return number;
}

export function positiveInteger(option: string, value: string): number {
  return numberOption(option, value, (n) => Number.isInteger(n) && n >= 1, `must be a whole number above 0, got ${value}`);
}

/** An option's value that is a regular expression. */
export function patternOption(option: string, value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (error) {
    throw optionValueError({ option }, (error as Error).message);
  }
}

/** An option's value that must be one of a few words. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw optionValueError({ option }, `must be one of ${allowed.join(', ')}, got ${value}`);
  return value as T;
}
