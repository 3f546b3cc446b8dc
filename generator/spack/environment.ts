import { stringify } from 'yaml';
import type { SpackContainerDefinition } from '../definitions/definition.js';
import { isPlainObject } from '../input/shape.js';
import { ciVariable, renderCommand, sh, shellCommand } from '../pipeline/shell.js';
import { architectureSettings, type Architecture, type CacheKind, type Settings } from '../settings/settings.js';

/** Where the environment's software and view live inside the builder and the container. */
export const INSTALL_ROOT = '/opt/software';
export const VIEW_ROOT = '/opt/view';

/** Paths of one container's Spack files in the generate job, relative to the project dir. */
export interface EnvironmentPaths {
  /** The environment Spack concretizes: spack.yaml (written by create-jobs) and spack.lock. */
  environmentDir: string;
  /** `spack ci generate --artifacts-root`: concrete environment, logs, reproduction. */
  artifactsRoot: string;
  /** `spack ci generate --output-file` and a copy of spack.lock, input of process-spack-pipeline. */
  outputDir: string;
}

export function environmentPaths(arch: Architecture, name: string, root = 'generated'): EnvironmentPaths {
  return {
    environmentDir: `${root}/${arch}/environments/${name}`,
    artifactsRoot: `${root}/${arch}/spack-artifacts/${name}`,
    outputDir: `${spackOutputsRoot(arch, root)}/${name}`,
  };
}

/** The folder of every container's generate output: the input of process-spack-pipeline. */
export function spackOutputsRoot(arch: Architecture, root = 'generated'): string {
  return `${root}/${arch}/spack-outputs`;
}

export interface BuildJobSettings {
  builderImage: string;
  runnerTags: string[];
  /** Spack binary mirrors: the one written first, then read-only fallbacks; `endpoint` where not the jobs' S3_ENDPOINT_URL. */
  mirrors: { name: string; url: string; endpoint?: string }[];
  target: string;
  /** CI variable holding the base64 secret key to sign binaries with; unset: push unsigned. */
  signingKeyVariable?: string | undefined;
  /** GitLab `timeout:` of every build job. */
  timeout: string;
}

/**
 * The job attributes of our `ci: pipeline-gen` sections that must win over a user's: the
 * runners, builder image, build script and timeout of the build jobs (and `any-job`'s, which
 * reach them too), the runners of the no-op job, and the runners, image and script (replaced by
 * process-spack-pipeline) of the index rebuild. Everything else a user writes is kept.
 */
const OURS_BY_SECTION: Record<string, readonly string[]> = {
  'build-job': ['tags', 'image', 'script', 'timeout'],
  'any-job': ['tags', 'image', 'script', 'timeout'],
  'noop-job': ['tags'],
  'reindex-job': ['tags', 'image', 'script'],
};

/** A `ci:` key as Spack merges it: without the `:` (override), `+` or `-` (prepend, append) marks. */
function mergeKey(key: string): string {
  return key.replace(/[:+-]+$/, '');
}

/**
 * Where a definition's own `ci:` is overridden by ours, as key paths below `spack:` with the
 * reason: `rebuild-index` other than true, and in `pipeline-gen` sections (also inside
 * `submapping`) the job attributes of OURS_BY_SECTION, added or removed.
 */
export function overriddenCiKeys(environment: Record<string, unknown>): { path: (string | number)[]; reason: string }[] {
  const ci = isPlainObject(environment.ci) ? environment.ci : {};
  const found: { path: (string | number)[]; reason: string }[] = [];
  if (ci['rebuild-index'] !== undefined && ci['rebuild-index'] !== true) {
    found.push({ path: ['ci', 'rebuild-index'], reason: 'spacktainers always rebuilds the build-cache index (rebuild-index: true)' });
  }
  const inSection = (section: unknown, path: (string | number)[]) => {
    if (!isPlainObject(section)) return;
    for (const [sectionKey, attributes] of Object.entries(section)) {
      const ours = OURS_BY_SECTION[mergeKey(sectionKey).replace(/-remove$/, '')];
      if (!ours || !isPlainObject(attributes)) continue;
      for (const key of Object.keys(attributes).filter((k) => ours.includes(mergeKey(k)))) {
        found.push({ path: [...path, sectionKey, key], reason: `spacktainers sets the ${mergeKey(key)} of these jobs (settings and builder image)` });
      }
    }
  };
  const sections = Array.isArray(ci['pipeline-gen']) ? ci['pipeline-gen'] : [];
  sections.forEach((section, index) => {
    inSection(section, ['ci', 'pipeline-gen', index]);
    const submapping = isPlainObject(section) && Array.isArray(section.submapping) ? section.submapping : [];
    submapping.forEach((entry, entryIndex) => inSection(entry, ['ci', 'pipeline-gen', index, 'submapping', entryIndex]));
  });
  return found;
}

/**
 * The Spack environment that is concretized for a container: the user's `spack:` section
 * with what spacktainers needs added — the architecture's target, the mirrors, a fixed view
 * and install tree, and the `ci:` section that makes `spack ci generate` emit jobs for our
 * runners and builder image. User keys win wherever they overlap, except those paths.
 *
 * A user's own `ci:` is merged: its keys and `pipeline-gen` sections are kept after ours.
 * Spack 0.21 merges `pipeline-gen` from the bottom up, so an earlier section wins, and `key::`
 * replaces where `key:` would merge (lists are joined): our sections come first and mark the
 * attributes they must own (OURS_BY_SECTION) with `::`.
 */
export function spackEnvironment(definition: SpackContainerDefinition, build: BuildJobSettings): Record<string, unknown> {
  const user = definition.environment;
  const packages = isPlainObject(user.packages) ? user.packages : {};
  const all = isPlainObject(packages.all) ? packages.all : {};
  const userConfig = isPlainObject(user.config) ? user.config : {};
  const userCi = isPlainObject(user.ci) ? user.ci : {};
  const userSections: unknown[] = Array.isArray(userCi['pipeline-gen']) ? userCi['pipeline-gen'] : [];
  const image = { name: build.builderImage, entrypoint: [''] };
  return {
    spack: {
      ...user,
      specs: user.specs,
      view: VIEW_ROOT,
      concretizer: { unify: true, ...(isPlainObject(user.concretizer) ? user.concretizer : {}) },
      packages: { ...packages, all: { target: [build.target], ...all } },
      config: { ...userConfig, install_tree: { root: INSTALL_ROOT } },
      mirrors: Object.fromEntries(build.mirrors.map((m) => [m.name, m.endpoint === undefined ? m.url : { url: m.url, endpoint_url: m.endpoint }])),
      ci: {
        ...userCi,
        'rebuild-index': true,
        'pipeline-gen': [
          {
            'build-job': {
              'tags::': build.runnerTags,
              'image::': image,
              // `script::` replaces Spack's default script instead of appending to it (0.21).
              'script::': buildScript(build.signingKeyVariable),
              ...(build.signingKeyVariable ? { variables: { SPACK_REQUIRE_SIGNING: 'True' } } : {}),
              'timeout::': build.timeout,
            },
          },
          { 'noop-job': { 'tags::': build.runnerTags } },
          { 'reindex-job': { 'tags::': build.runnerTags, 'image::': image } },
          ...userSections,
        ],
      },
    },
  };
}

/**
 * The build job script. With a signing key, the key goes from its CI variable to a private
 * temporary file that Spack imports and that is removed at once: it is never on a command
 * line or in the log. Spack's `-d` is left off, as debug output can echo the environment.
 * `spack env activate` does nothing without Spack's shell support (the builder image does not
 * source setup-env.sh; Spack only prints how to set it up), so the script evaluates its `--sh`
 * output, which exports SPACK_ENV for the commands after it.
 */
function buildScript(signingKeyVariable: string | undefined): string[] {
  const importKey = signingKeyVariable
    ? [
        shellCommand(
          sh`key="$(mktemp)"; printf '%s'`,
          ciVariable(signingKeyVariable),
          sh`| base64 -d > "$key"; spack gpg trust "$key" >/dev/null; rm -f "$key"`,
        ),
      ]
    : [];
  const script = [
    shellCommand(sh`cd`, ciVariable('SPACK_CONCRETE_ENV_DIR')),
    shellCommand(sh`eval "$(spack env activate --sh --without-view .)"`),
    ...importKey,
    shellCommand(sh`spack ci rebuild`),
  ];
  // Spack copies it into its build jobs as text.
  return script.map(renderCommand);
}

export function renderSpackEnvironment(definition: SpackContainerDefinition, build: BuildJobSettings): string {
  const header = `# Generated by spacktainers from ${definition.file}; edit that file, not this one.\n`;
  return header + stringify(spackEnvironment(definition, build), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Binaries are signed only in the production cache, and only when settings name a key. */
export function cacheIsSigned(settings: Settings, cache: CacheKind): boolean {
  return cache === 'production' && settings.spack.signingKeyVariable !== '';
}

export function buildJobSettings(
  settings: Settings,
  arch: Architecture,
  builderImage: string,
  mirrors: BuildJobSettings['mirrors'],
  cache: CacheKind,
): BuildJobSettings {
  const archSettings = architectureSettings(settings, arch);
  const signingKeyVariable = cacheIsSigned(settings, cache) ? settings.spack.signingKeyVariable : undefined;
  return {
    builderImage,
    runnerTags: archSettings.runnerTags,
    mirrors,
    target: archSettings.spackTarget,
    signingKeyVariable,
    timeout: settings.spack.buildJobTimeout,
  };
}
