import type { ScriptJob } from '../pipeline/model.js';
import { shellQuote } from '../pipeline/shell.js';
import { proxyVariables, type Architecture, type Settings } from '../settings/settings.js';

/** A registry to log in to, with the names of the CI variables holding its credentials. */
export interface RegistryLogin {
  host: string;
  userVariable: string;
  passwordVariable: string;
}

/** Namespace of our own image labels (the OCI ones use org.opencontainers.image.*). */
export const LABEL_NAMESPACE = 'org.spacktainers';

/**
 * Log in to the settings' registry with the password read from a CI variable on stdin: the
 * secret is never on a command line nor echoed to the log.
 */
export function registryLogin(registry: RegistryLogin, tool: 'buildah' | 'singularity' = 'buildah'): string {
  const { host, userVariable, passwordVariable } = registry;
  const target = tool === 'buildah' ? shellQuote(host) : shellQuote(`docker://${host}`);
  const login = tool === 'buildah' ? 'buildah login' : 'singularity registry login';
  return `printf '%s' "\${${passwordVariable}}" | ${login} --username "\${${userVariable}}" --password-stdin ${target}`;
}

/** Variables that make buildah work unprivileged inside a GitLab job container. */
const ROOTLESS_BUILDAH: Record<string, string> = {
  STORAGE_DRIVER: 'vfs',
  BUILDAH_ISOLATION: 'chroot',
  BUILDAH_FORMAT: 'oci',
};

/** A job running `script` with buildah, unprivileged, on the runners of `arch`. */
export function buildahJob(settings: Settings, arch: Architecture, stage: string, script: string[]): ScriptJob {
  return {
    stage,
    image: settings.images.buildah,
    tags: settings.architectures[arch].runnerTags,
    variables: { ...ROOTLESS_BUILDAH, ...proxyVariables(settings) },
    script,
  };
}

/** `--flag 'key=value'` for each entry (buildah's --build-arg and --label, sif upload's --metadata). */
export function keyValueArguments(flag: '--build-arg' | '--label' | '--metadata', values: Record<string, string>): string[] {
  return Object.entries(values).map(([key, value]) => `${flag} ${shellQuote(`${key}=${value}`)}`);
}
