import { Option } from 'clipanion';

/** Options shared by the commands that read the project's definitions and settings. */
export const definitionsOption = () =>
  Option.String('--definitions', 'container_definitions', {
    description: 'Folder holding <arch>/<name>.yaml, <arch>/<name>/spack.yaml and <arch>/<name>.def definitions',
  });

export const settingsOption = () =>
  Option.String('--settings', 'settings.yaml', {
    description: 'Settings file (CI variables SPACKTAINERS_* override its values)',
  });
