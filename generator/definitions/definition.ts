import type { Architecture } from '../settings/settings.js';

/** A file copied from `spacktainer/files/<source>` to `/<target>` in the image. */
export interface FileCopy {
  source: string;
  target: string;
}

interface DefinitionCommon {
  /** Container name: the file name without extension (or the folder name for `<name>/spack.yaml`). */
  name: string;
  arch: Architecture;
  /** Path of the definition file, relative to the project root, with forward slashes. */
  file: string;
}

/** A container built from a Spack environment. */
export interface SpackContainerDefinition extends DefinitionCommon {
  kind: 'spack';
  /** The `spack:` mapping, exactly as written (Spack keys we do not know pass through). Its first spec is a spec string (it names the version); the others may be matrices. */
  environment: Record<string, unknown> & { specs: [string, ...unknown[]] };
  files: FileCopy[];
  /** What is accepted but not used as written (own `ci:` keys ours override), as `file:line:col: key: message`. */
  warnings: string[];
}

/** A container converted from an existing image by a Singularity definition (`From: image:tag`). */
export interface CustomContainerDefinition extends DefinitionCommon {
  kind: 'custom';
  /** Image without tag, e.g. `docker.io/library/ubuntu`. */
  fromImage: string;
  /** The tag of `From:`, which is also this container's version. */
  fromTag: string;
  text: string;
}

export type ContainerDefinition = SpackContainerDefinition | CustomContainerDefinition;

/** A definition file as the reader found it: its kind (from its name), where it is and what it says. */
export interface DefinitionText {
  kind: ContainerDefinition['kind'];
  name: string;
  arch: Architecture;
  /** Relative to the project root, with forward slashes, as messages name it. */
  file: string;
  text: string;
}

/** Every definition that is switched on, grouped by nothing: sorted by arch, then name. */
export interface DefinitionSet {
  definitions: ContainerDefinition[];
  /** Files and folders skipped because their name starts with `_`. */
  switchedOff: string[];
}
