import { Option } from 'clipanion';
import * as t from 'typanion';
import { OptionError } from '../input/errors.js';
import { ARCHITECTURES, DEFAULT_LIMITS, type GitLabLimits } from '../app/options.js';

/** Options shared by the commands that read the project's definitions and settings. */
export const definitionsOption = () =>
  Option.String('--definitions', 'container_definitions', {
    description: 'Folder holding <arch>/<name>.yaml, <arch>/<name>/spack.yaml and <arch>/<name>.def definitions',
  });

export const settingsOption = () =>
  Option.String('--settings', 'settings.yaml', {
    description: 'Settings file (CI variables SPACKTAINERS_* override its values)',
  });

export const generatedOption = (flag = '--generated') =>
  Option.String(flag, 'generated', {
    description: 'The folder create-jobs writes and the generate jobs fill (a path relative to the project)',
  });

export const archOption = () =>
  Option.String('--arch', {
    required: true,
    description: 'Architecture: amd64 or arm64',
    validator: t.isEnum(ARCHITECTURES),
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

export function positiveInteger(option: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new OptionError(option, `must be a whole number above 0, got ${value}`);
  return number;
}
