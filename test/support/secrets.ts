import { architectureNames, bucketConnection, BUCKETS, type Settings } from '../../generator/settings/settings.js';

/** The CI variables that hold secrets, by the names the settings give them (each bucket's, on each architecture). */
export function secretVariables(settings: Settings): string[] {
  const keyPairs = architectureNames(settings).flatMap((arch) =>
    BUCKETS.flatMap((bucket) => {
      const { accessKeyVariable, secretKeyVariable } = bucketConnection(settings, bucket, arch);
      return [accessKeyVariable, secretKeyVariable];
    }),
  );
  return [...new Set([settings.registry.passwordVariable, settings.dockerHub.passwordVariable, ...keyPairs, settings.spack.signingKeyVariable])].filter(
    Boolean,
  );
}

/**
 * Every line of generated text that mentions a secret variable in a way that could put its
 * value on a command line or in the log. Allowed: piping it to stdin with printf (a shell
 * builtin, so not visible in the process list) or writing it with printf into the private
 * folder of build secrets, and exporting it (or, as a GitLab variable, aliasing it) under
 * another name.
 */
export function secretLeaks(text: string, settings: Settings): string[] {
  const allowed = [
    /^\s*(- )?(key="\$\(mktemp\)"; )?printf '%s' "\$\{[A-Z_][A-Z0-9_]*\}" \| /,
    /^\s*(- )?export AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)="\$\{[A-Z_][A-Z0-9_]*\}"$/,
    /^\s*AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY): \$[A-Z_][A-Z0-9_]*$/,
    /^\s*(- )?printf '%s' "\$\{[A-Z_][A-Z0-9_]*\}" > "\$secrets\/[a-z_]+"$/,
  ];
  return text.split('\n').filter((line) => {
    const mentions = secretVariables(settings).some((name) => new RegExp(`\\$\\{?${name}\\b`).test(line));
    return (mentions && !allowed.some((pattern) => pattern.test(line))) || /\bset -x\b/.test(line);
  });
}
