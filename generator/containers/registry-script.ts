import type { ScriptJob } from '../pipeline/model.js';
import { ciVariable, quoted, sh, shellCommand, type ShellCommand, type ShellSyntax, type ShellWord } from '../pipeline/shell.js';
import { architectureSettings, jobProxy, proxyVariables, type Architecture, type Settings } from '../settings/settings.js';

/** A registry to log in to, with the names of the CI variables holding its credentials. */
export interface RegistryLogin {
  host: string;
  userVariable: string;
  passwordVariable: string;
}

/** Namespace of our own image labels (the OCI ones use org.opencontainers.image.*). */
export const LABEL_NAMESPACE = 'org.spacktainers';

/** The image's commit, known only when the job runs: not part of any identity, so it never causes a rebuild. */
export const REVISION_LABEL: ShellWord[] = [sh`--label`, quoted('org.opencontainers.image.revision=', ciVariable('CI_COMMIT_SHA'))];

/**
 * Log in to the settings' registry with the password read from a CI variable on stdin: the
 * secret is never on a command line nor echoed to the log.
 */
export function registryLogin(registry: RegistryLogin, tool: 'buildah' | 'singularity' = 'buildah'): ShellCommand {
  const { host, userVariable, passwordVariable } = registry;
  const [login, target]: [ShellSyntax, string] = tool === 'buildah' ? [sh`buildah login`, host] : [sh`singularity registry login`, `docker://${host}`];
  return shellCommand(sh`printf '%s'`, ciVariable(passwordVariable), sh`|`, login, sh`--username`, ciVariable(userVariable), sh`--password-stdin`, target);
}

/** Variables that make buildah work unprivileged inside a GitLab job container. */
const ROOTLESS_BUILDAH: Record<string, string> = {
  STORAGE_DRIVER: 'vfs',
  BUILDAH_ISOLATION: 'chroot',
  BUILDAH_FORMAT: 'oci',
};

/**
 * A job running `script` with buildah, unprivileged, on the runners of `arch`, behind the
 * architecture's proxy or, for a job that reaches a bucket, the bucket's.
 */
export function buildahJob(settings: Settings, arch: Architecture, stage: string, script: ShellCommand[], proxy = jobProxy(settings, arch)): ScriptJob {
  return {
    stage,
    image: settings.images.buildah,
    tags: architectureSettings(settings, arch).runnerTags,
    variables: { ...ROOTLESS_BUILDAH, ...proxyVariables(proxy) },
    script,
  };
}

/** `--flag 'key=value'` for each entry (buildah's --build-arg and --label, sif upload's --metadata). */
export function keyValueArguments(flag: '--build-arg' | '--label' | '--metadata', values: Record<string, string>): ShellWord[] {
  return Object.entries(values).flatMap(([key, value]) => [flag, `${key}=${value}`]);
}
