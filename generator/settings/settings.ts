import { SpacktainersError, throwIfAny } from '../errors.js';
import { checkShape, isPlainObject, type ObjectShape, type Shape } from '../input/shape.js';
import { YamlSource } from '../input/yaml-source.js';
import { quoteValue } from '../input/quote.js';
import { MAX_CONTAINER_NAME, registryHost, repositoryPath } from '../definitions/syntax.js';
import { didYouMean } from '../input/suggest.js';

/**
 * An architecture's name, as settings `architectures:` spell it: any name there, none in code.
 * It names folders, jobs, tags and resource groups, hence its pattern.
 */
export type Architecture = string;
const ARCHITECTURE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The buckets spacktainers uses, as settings `s3` names their connection overrides. */
export const BUCKETS = ['cache', 'developmentCache', 'sif'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** The proxy variables of a job. */
export interface Proxy {
  http: string;
  https: string;
  noProxy: string;
}

/** How a job reaches one bucket: every value a setting, credentials named, never held. */
export interface BucketConnection {
  endpoint: string;
  region: string;
  accessKeyVariable: string;
  secretKeyVariable: string;
  proxy: Proxy;
}

/** What a bucket or an architecture changes of the connection it inherits; unset values are inherited. */
export type ConnectionOverride = Partial<Omit<BucketConnection, 'proxy'>> & { proxy?: Partial<Proxy> };

export const BASE_IMAGES = ['builder', 'runtime', 'singularitah'] as const;
export type BaseImageName = (typeof BASE_IMAGES)[number];

export interface ArchitectureSettings {
  runnerTags: string[];
  /**
   * Runner tags of the jobs that only wait or relay (the wait jobs of the Spack build
   * pipelines), where a site has runners for many light jobs at once; default: `runnerTags`.
   */
  lightRunnerTags?: string[];
  spackTarget: string;
  /** Repository of each base image below `registry.path`. */
  baseImages: Record<BaseImageName, string>;
  /** The OCI platform architecture of its images, where the name is another (`x86_64`: `amd64`). */
  platform?: string;
  /** The proxy of this architecture's jobs, where its runners' network differs. */
  proxy?: Partial<Proxy>;
  /** This architecture's connection to every bucket, then to each. */
  s3?: ConnectionOverride & Partial<Record<Bucket, ConnectionOverride>>;
}

/** Everything about where spacktainers runs and publishes. Secrets are named, never held. */
export interface Settings {
  /**
   * The file they were read from, as the command was given it (relative to the project): the
   * commands a generated job runs read the same file.
   */
  file: string;
  defaultBranch: string;
  registry: { host: string; path: string; userVariable: string; passwordVariable: string };
  dockerHub: { host: string; namespace: string; userVariable: string; passwordVariable: string };
  /** The connection every bucket inherits, the buckets' names, and each bucket's own connection. */
  s3: {
    endpoint: string;
    region: string;
    cacheBucket: string;
    developmentCacheBucket: string;
    sifBucket: string;
    accessKeyVariable: string;
    secretKeyVariable: string;
  } & Partial<Record<Bucket, ConnectionOverride>>;
  spack: { repository: string; commit: string; version: string; signingKeyVariable: string; buildJobTimeout: string };
  images: { generator: string; buildah: string };
  containers: { buildJobTimeout: string };
  /** The apptainer release the singularitah image installs, from `<downloadUrl>/v<version>/`. */
  apptainer: { version: string; downloadUrl: string };
  proxy: Proxy;
  cacheCleanup: { maxAgeDays: number; developmentMaxAgeDays: number; graceHours: number };
  modules: { root: string; runtime: 'singularity' | 'apptainer'; binds: string[]; tcl: boolean };
  gitlab: { tokenVariable: string };
  /** In the order listed; the first is the primary architecture (see `CiContext.primaryArch`). */
  architectures: Record<Architecture, ArchitectureSettings>;
}

const variableName: Shape = {
  kind: 'string',
  pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
  patternMeaning: 'a CI variable name',
  description: 'Name of the CI/CD variable holding the secret (never the secret itself).',
};
const plainValue: Shape = {
  kind: 'string',
  // Settings end up in generated scripts: keep them to characters with no shell meaning.
  pattern: /^[A-Za-z0-9_@%+=:,./~-]*$/,
  patternMeaning: 'a plain value (letters, digits and _@%+=:,./~- only)',
};
/**
 * Most characters a registry takes in a repository's full name, host included (the distribution
 * reference grammar's NameTotalLengthMax; Docker refuses longer names before asking the registry).
 */
const MAX_REPOSITORY_NAME = 255;

/** Units GitLab's duration parser (ChronicDuration) reads, in seconds; months and years left out. */
const DURATION_UNITS: Record<string, number> = Object.fromEntries(
  (
    [
      [['s', 'sec', 'secs', 'second', 'seconds'], 1],
      [['m', 'min', 'mins', 'minute', 'minutes'], 60],
      [['h', 'hr', 'hrs', 'hour', 'hours'], 3600],
      [['d', 'day', 'days'], 86_400],
      [['w', 'wk', 'wks', 'week', 'weeks'], 604_800],
    ] as const
  ).flatMap(([names, seconds]) => names.map((name) => [name, seconds])),
);
const DURATION_PART = new RegExp(
  `(\\d+) ?(${Object.keys(DURATION_UNITS)
    .sort((a, b) => b.length - a.length)
    .join('|')})`,
  'g',
);
/** GitLab refuses a job `timeout` above one month (Project::MAX_BUILD_TIMEOUT). */
const MAX_TIMEOUT_SECONDS = 30 * 86_400;

function durationSeconds(value: string): number {
  return [...value.matchAll(DURATION_PART)].reduce((sum, [, n, unit]) => sum + Number(n) * DURATION_UNITS[unit!]!, 0);
}

/** A job `timeout:` as GitLab reads it, e.g. `6h`, `1h 30m`, `90 minutes`. */
const gitlabDuration: Shape = {
  kind: 'string',
  pattern: new RegExp(`^${DURATION_PART.source}( ?${DURATION_PART.source})*$`),
  patternMeaning: 'a GitLab duration such as 6h, 1h 30m or 90 minutes',
  check: (value) => {
    const seconds = durationSeconds(value);
    if (seconds === 0) return 'must be longer than nothing';
    return seconds > MAX_TIMEOUT_SECONDS ? `${quoteValue(value)} is longer than the month GitLab allows a job` : undefined;
  },
  description: 'A GitLab job timeout, e.g. 6h, 1h 30m or 90 minutes (at most a month).',
};

const obj = (fields: Record<string, Shape>, description?: string): ObjectShape => ({
  kind: 'object',
  description,
  fields: Object.fromEntries(Object.entries(fields).map(([k, shape]) => [k, { shape, required: true }])),
});

/** `shape` with more fields, each of which may be left out to inherit its value. */
const withOptional = (shape: ObjectShape, fields: Record<string, Shape>): ObjectShape => ({
  ...shape,
  fields: { ...shape.fields, ...Object.fromEntries(Object.entries(fields).map(([k, field]) => [k, { shape: field }])) },
});
const optional = (fields: Record<string, Shape>, description: string): ObjectShape => withOptional({ kind: 'object', description, fields: {} }, fields);

const proxyFields = { http: plainValue, https: plainValue, noProxy: plainValue };

const connectionFields: Record<string, Shape> = {
  endpoint: plainValue,
  region: plainValue,
  accessKeyVariable: variableName,
  secretKeyVariable: variableName,
  proxy: optional(proxyFields, 'The proxy of the jobs that reach this bucket; unset values are inherited.'),
};

/** A connection override for each bucket, by the name settings `s3` gives it. */
const bucketOverrides = (whose: string): Record<string, Shape> =>
  Object.fromEntries(BUCKETS.map((bucket) => [bucket, optional(connectionFields, `How ${whose} reach s3.${bucket}Bucket; unset values are inherited.`)]));

const architectureShape = withOptional(
  obj({
    runnerTags: { kind: 'list', items: plainValue, minItems: 1, description: 'GitLab runner tags for this architecture.' },
    spackTarget: plainValue,
    baseImages: obj(Object.fromEntries(BASE_IMAGES.map((b) => [b, repositoryPath]))),
  }),
  {
    lightRunnerTags: {
      kind: 'list',
      items: plainValue,
      minItems: 1,
      description: 'Runner tags of the light jobs that only wait or relay (the wait jobs of the Spack build pipelines); default: runnerTags.',
    },
    platform: {
      kind: 'string',
      pattern: /^[a-z0-9]+$/,
      patternMeaning: 'an OCI platform architecture such as amd64, arm64 or ppc64le',
      description: 'The OCI platform architecture of its images (amd64, arm64, ppc64le, s390x, riscv64), where the name is another; default: the name.',
    },
    proxy: optional(proxyFields, "The proxy of this architecture's jobs, where its runners' network needs another; unset values are inherited from `proxy`."),
    s3: optional(
      { ...connectionFields, ...bucketOverrides("this architecture's jobs") },
      "How this architecture's jobs reach every bucket, and each bucket; unset values are inherited from `s3`.",
    ),
  },
);

export const settingsShape: ObjectShape = obj(
  {
    defaultBranch: plainValue,
    registry: obj({ host: registryHost, path: repositoryPath, userVariable: variableName, passwordVariable: variableName }),
    dockerHub: obj({ host: registryHost, namespace: repositoryPath, userVariable: variableName, passwordVariable: variableName }),
    s3: withOptional(
      obj({
        endpoint: plainValue,
        region: plainValue,
        cacheBucket: plainValue,
        developmentCacheBucket: plainValue,
        sifBucket: plainValue,
        accessKeyVariable: variableName,
        secretKeyVariable: variableName,
      }),
      bucketOverrides('all jobs'),
    ),
    spack: obj({
      repository: plainValue,
      commit: plainValue,
      version: plainValue,
      signingKeyVariable: { ...variableName, pattern: /^([A-Za-z_][A-Za-z0-9_]*)?$/, patternMeaning: 'a CI variable name, or empty for unsigned' },
      buildJobTimeout: { ...gitlabDuration, description: 'Timeout of every Spack build job (GitLab `timeout:`), e.g. 6h.' },
    }),
    images: obj({ generator: plainValue, buildah: plainValue }),
    containers: obj({
      buildJobTimeout: { ...gitlabDuration, description: 'Timeout of the jobs that build a container image or its SIF (GitLab `timeout:`), e.g. 2h.' },
    }),
    apptainer: obj({ version: plainValue, downloadUrl: plainValue }),
    proxy: obj({ http: plainValue, https: plainValue, noProxy: plainValue }),
    cacheCleanup: obj({
      maxAgeDays: { kind: 'number', integer: true, minimum: 1 },
      developmentMaxAgeDays: { kind: 'number', integer: true, minimum: 1 },
      graceHours: {
        kind: 'number',
        minimum: 0,
        description:
          'Hours an entry stays marked deletable, run after run, before the janitor deletes it; longer than spack.buildJobTimeout, or 0 for one pass.',
      },
    }),
    modules: obj({
      root: { ...plainValue, pattern: /^\/[A-Za-z0-9_@%+=:,./~-]*$/, patternMeaning: 'an absolute plain path' },
      runtime: { kind: 'string', enum: ['singularity', 'apptainer'] },
      binds: { kind: 'list', items: plainValue },
      tcl: { kind: 'boolean' },
    }),
    gitlab: obj({ tokenVariable: variableName }),
    architectures: {
      kind: 'map',
      keys: { kind: 'string', pattern: ARCHITECTURE_NAME, patternMeaning: 'an architecture name (lower-case letters, digits, _ and -; at most 32)' },
      values: architectureShape,
      minEntries: 1,
      description: 'The architectures jobs are built for, each with its runners; the first listed is the primary one (its images carry the plain tags).',
    },
  },
  'spacktainers settings: where jobs run and what they publish, per architecture.',
);

/** The prefix of CI variables that override a setting. */
const OVERRIDE_PREFIX = 'SPACKTAINERS_';

/** The settings file a command reads unless told another (`--settings`). */
export const DEFAULT_SETTINGS_FILE = 'settings.yaml';

/**
 * The arguments that point a generated job's spacktainers command at the settings its writer
 * read: none for the default file, so the usual pipelines stay as short as they were.
 */
export function settingsArguments(settings: Settings): string[] {
  return settings.file === DEFAULT_SETTINGS_FILE ? [] : ['--settings', settings.file];
}

/**
 * Parse and check a settings file, then apply overrides from `environment` (CI variables):
 * `SPACKTAINERS_S3_ENDPOINT` overrides `s3.endpoint`, lists are comma separated.
 */
export function parseSettings(file: string, content: string, environment: NodeJS.ProcessEnv = {}): Settings {
  const source = YamlSource.parse(file, content);
  const value = source.toJS();
  throwIfAny(checkShape(source, value, settingsShape));
  const settings = { ...(value as Omit<Settings, 'file'>), file };
  applyOverrides(settings, environment, file);
  checkGracePeriod(settings, source);
  checkRepositoryLengths(settings, source);
  return settings;
}

/**
 * Every repository spacktainers pushes to is `<host>/<path>/<name>`: the registry and Docker Hub
 * prefixes must leave room for the longest container name, and the base images must fit too.
 */
function checkRepositoryLengths(settings: Settings, source: YamlSource): void {
  const tooLong = (key: string[], prefix: string, longest: number, what: string) =>
    `${prefix}/`.length + longest > MAX_REPOSITORY_NAME
      ? [
          source.error(
            key,
            `${quoteValue(`${prefix}/`)} plus a ${longest}-character ${what} is longer than the ${MAX_REPOSITORY_NAME} characters a registry accepts in a repository name`,
          ),
        ]
      : [];
  const registry = `${settings.registry.host}/${settings.registry.path}`;
  const baseImages = Object.values(settings.architectures).flatMap((arch) => Object.values(arch.baseImages));
  throwIfAny([
    ...tooLong(['registry', 'path'], registry, Math.max(MAX_CONTAINER_NAME, ...baseImages.map((image) => image.length)), 'container name or base image'),
    ...tooLong(['dockerHub', 'namespace'], `${settings.dockerHub.host}/${settings.dockerHub.namespace}`, MAX_CONTAINER_NAME, 'container name'),
  ]);
}

/**
 * A build reads a cache entry at its start and pushes what depends on it at its end: a grace
 * period shorter than a build job lets the janitor delete an entry a running build still needs.
 */
function checkGracePeriod(settings: Settings, source: YamlSource): void {
  const grace = settings.cacheCleanup.graceHours;
  if (grace === 0 || grace * 3600 > durationSeconds(settings.spack.buildJobTimeout)) return;
  throw source.error(
    ['cacheCleanup', 'graceHours'],
    `${grace} hours is not longer than spack.buildJobTimeout (${settings.spack.buildJobTimeout}): a running build could lose a dependency (0 deletes in one pass)`,
  );
}

/**
 * `SPACKTAINERS_*` variables that are not a setting's override, yet spacktainers' own: the
 * pipeline's in .gitlab-ci.yml and the module files' (set for and by a container's users).
 */
const OTHER_SPACKTAINERS_VARIABLES = new Set(
  ['PIPELINE', 'PIPELINE_KIND', 'BASE_TAG', 'REGISTRY_IMAGE', 'DURATIONS', 'BINDS', 'SIF', 'SPACK_LOCK_DIGEST'].map((name) => OVERRIDE_PREFIX + name),
);

/**
 * Each `SPACKTAINERS_*` variable in `environment` that overrides no setting (a misspelt override
 * is otherwise ignored without a word), with the closest real one. An error in CI, where the
 * pipeline would run with the setting not overridden; `validate` prints them as warnings elsewhere.
 * `settings` gives the architectures, whose settings have variables too.
 */
export function unknownOverrides(environment: NodeJS.ProcessEnv, file: string, settings: Settings): SpacktainersError[] {
  const known = new Set(scalarSettings(settings, settingsShape, []).map(({ path }) => overrideVariable(path)));
  return Object.keys(environment)
    .filter((variable) => variable.startsWith(OVERRIDE_PREFIX) && !known.has(variable) && !OTHER_SPACKTAINERS_VARIABLES.has(variable))
    .sort()
    .map((variable) => SpacktainersError.input({ file: `$${variable}` }, `overrides no setting of ${file}${didYouMean(variable, known)}`));
}

/** Whether `environment` is a CI job's (GitLab, like most CI services, sets `CI`). */
export function inCi(environment: NodeJS.ProcessEnv): boolean {
  return Boolean(environment.CI || environment.GITLAB_CI);
}

/** `SPACKTAINERS_` and the path in upper snake case; a character a variable name cannot hold becomes `_`. */
function overrideVariable(path: string[]): string {
  return OVERRIDE_PREFIX + path.map((key) => toUpperSnake(key).replace(/[^A-Z0-9_]/g, '_')).join('_');
}

/**
 * Every setting a variable overrides: each value that is not itself a mapping of settings, also
 * the optional ones left out, and each entry of a map (the architectures) that `value` holds.
 */
function scalarSettings(value: unknown, shape: Shape, path: string[]): { path: string[]; shape: Shape }[] {
  const holder = isPlainObject(value) ? value : {};
  if (shape.kind === 'map') return Object.keys(holder).flatMap((key) => scalarSettings(holder[key], shape.values, [...path, key]));
  if (shape.kind !== 'object') return [{ path, shape }];
  return Object.entries(shape.fields).flatMap(([key, field]) => scalarSettings(holder[key], field.shape, [...path, key]));
}

function applyOverrides(settings: Settings, environment: NodeJS.ProcessEnv, file: string): void {
  const errors: SpacktainersError[] = inCi(environment) ? unknownOverrides(environment, file, settings) : [];
  for (const { path, shape } of scalarSettings(settings, settingsShape, [])) {
    const variable = overrideVariable(path);
    const raw = environment[variable];
    if (raw === undefined) continue;
    const next = parseOverride(raw, shape);
    const where = { file: `${file} (overridden by $${variable})`, key: path.join('.') };
    const locator = {
      error: (_: unknown, problem: string) => SpacktainersError.input(where, problem),
      keyError: (_: unknown, problem: string) => SpacktainersError.input(where, problem),
      quote: (_: unknown, text: string) => quoteValue(text),
    };
    const problems = checkShape(locator, next, shape);
    if (problems.length > 0) errors.push(...problems);
    else setAt(settings as unknown as Record<string, unknown>, path, next);
  }
  throwIfAny(errors);
}

/** Set the value at `path`, making the optional mappings on the way that the file left out. */
function setAt(root: Record<string, unknown>, path: string[], value: unknown): void {
  const holder = path.slice(0, -1).reduce<Record<string, unknown>>((parent, key) => {
    if (!isPlainObject(parent[key])) parent[key] = {};
    return parent[key] as Record<string, unknown>;
  }, root);
  holder[path[path.length - 1]!] = value;
}

/** CI variables are strings: read them as the type the setting has. */
function parseOverride(raw: string, shape: Shape): unknown {
  if (shape.kind === 'list')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (shape.kind === 'number') return /^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : raw;
  if (shape.kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

function toUpperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Full image reference (without tag) of a repository in the settings' registry. */
export function registryImage(settings: Settings, repository: string): string {
  return `${settings.registry.host}/${settings.registry.path}/${repository}`;
}

/** Which build cache a pipeline writes to: the default branch's, or the one for other branches. */
export const CACHE_KINDS = ['production', 'development'] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

export function cacheBucket(settings: Settings, kind: CacheKind): string {
  return kind === 'production' ? settings.s3.cacheBucket : settings.s3.developmentCacheBucket;
}

/** The Spack binary mirror of one architecture in one build cache. */
export function mirrorUrl(settings: Settings, arch: Architecture, kind: CacheKind): string {
  return `s3://${cacheBucket(settings, kind)}/${arch}`;
}

/**
 * The GitLab resource group of the jobs that rewrite one build cache's index (Spack's
 * rebuild-index, the janitor): one per mirror, so no two of them write the same index at once.
 */
export function cacheResourceGroup(settings: Settings, arch: Architecture, kind: CacheKind): string {
  return `spack-cache/${cacheBucket(settings, kind)}/${arch}`;
}

/** The settings' architectures, in the order listed. */
export function architectureNames(settings: Settings): Architecture[] {
  return Object.keys(settings.architectures);
}

/**
 * The OCI platform architecture of an architecture's images: what their config says (buildah
 * builds for the runner's machine) and what a multi-arch index lists them under.
 */
export function imagePlatform(settings: Settings, arch: Architecture): string {
  return architectureSettings(settings, arch).platform ?? arch;
}

/** The settings of an architecture the caller took from these settings. */
export function architectureSettings(settings: Settings, arch: Architecture): ArchitectureSettings {
  const found = settings.architectures[arch];
  if (!found) throw new SpacktainersError('internal', `no settings for architecture ${arch}`);
  return found;
}

/** The runner tags of an architecture's light jobs (waiting, relaying). */
export function lightRunnerTags(settings: Settings, arch: Architecture): string[] {
  const { lightRunnerTags, runnerTags } = architectureSettings(settings, arch);
  return lightRunnerTags ?? runnerTags;
}

/** Proxy settings as the variables every tool understands; empty ones are left out. */
export function proxyVariables({ http, https, noProxy }: Proxy): Record<string, string> {
  const variables: Record<string, string> = {};
  if (http) Object.assign(variables, { http_proxy: http, HTTP_PROXY: http });
  if (https) Object.assign(variables, { https_proxy: https, HTTPS_PROXY: https });
  if (noProxy) Object.assign(variables, { no_proxy: noProxy, NO_PROXY: noProxy });
  return variables;
}

/** The values an override sets: a key left out, or written empty (`~`), inherits. */
function setValues<T extends object>(override: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(override ?? {}).filter(([, value]) => value !== undefined && value !== null)) as Partial<T>;
}

/** The proxy of an architecture's jobs: `proxy`, then `architectures.<arch>.proxy`. */
export function jobProxy(settings: Settings, arch: Architecture): Proxy {
  return { ...settings.proxy, ...setValues(settings.architectures[arch]?.proxy) };
}

/**
 * How a job of `arch` reaches `bucket`: `s3` (with the architecture's job proxy), overridden by
 * `s3.<bucket>`, then `architectures.<arch>.s3`, then `architectures.<arch>.s3.<bucket>`. The
 * more specific wins; an architecture is a site, so its values win over a bucket's everywhere.
 */
export function bucketConnection(settings: Settings, bucket: Bucket, arch: Architecture): BucketConnection {
  const { endpoint, region, accessKeyVariable, secretKeyVariable } = settings.s3;
  const site = settings.architectures[arch]?.s3;
  return [settings.s3[bucket], site, site?.[bucket]].reduce<BucketConnection>(
    (connection, override) => {
      const { endpoint, region, accessKeyVariable, secretKeyVariable, proxy } = override ?? {};
      return { ...connection, ...setValues({ endpoint, region, accessKeyVariable, secretKeyVariable }), proxy: { ...connection.proxy, ...setValues(proxy) } };
    },
    { endpoint, region, accessKeyVariable, secretKeyVariable, proxy: jobProxy(settings, arch) },
  );
}

/**
 * The bucket of a build cache. The production cache's credentials are for protected refs only:
 * a pipeline writes one cache and holds its credentials, never the other's.
 */
export function cacheBucketOf(kind: CacheKind): Bucket {
  return kind === 'production' ? 'cache' : 'developmentCache';
}

/** How the jobs of `arch` in a pipeline that writes the `kind` cache reach it. */
export function cacheConnection(settings: Settings, arch: Architecture, kind: CacheKind): BucketConnection {
  return bucketConnection(settings, cacheBucketOf(kind), arch);
}

/**
 * How the jobs of `arch` in a pipeline that writes the `writes` cache reach `bucket`: as
 * `bucketConnection` says, except that a pipeline of the development cache reads the production
 * cache with the development cache's credentials, the only cache credentials it holds.
 */
export function pipelineConnection(settings: Settings, bucket: Bucket, arch: Architecture, writes: CacheKind): BucketConnection {
  const connection = bucketConnection(settings, bucket, arch);
  if (bucket !== cacheBucketOf('production') || writes === 'production') return connection;
  const { accessKeyVariable, secretKeyVariable } = cacheConnection(settings, arch, writes);
  return { ...connection, accessKeyVariable, secretKeyVariable };
}

/**
 * What every job running Spack needs in its environment to reach the build cache it writes: the
 * S3 endpoint (Spack reads S3_ENDPOINT_URL), the region and the proxies. Credentials are not
 * values here: see `s3CredentialAliases`.
 */
export function spackJobEnvironment(connection: BucketConnection): Record<string, string> {
  return {
    S3_ENDPOINT_URL: connection.endpoint,
    AWS_DEFAULT_REGION: connection.region,
    ...proxyVariables(connection.proxy),
  };
}

/**
 * Boto3 (inside Spack) and the AWS SDK read AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; where the
 * settings keep the secrets in other CI variables, jobs alias them by name, never by value.
 */
export function s3CredentialAliases(connection: BucketConnection): Record<string, string> {
  const aliases: Record<string, string> = {};
  if (connection.accessKeyVariable !== 'AWS_ACCESS_KEY_ID') aliases.AWS_ACCESS_KEY_ID = connection.accessKeyVariable;
  if (connection.secretKeyVariable !== 'AWS_SECRET_ACCESS_KEY') aliases.AWS_SECRET_ACCESS_KEY = connection.secretKeyVariable;
  return aliases;
}

/** What the janitor cleans in one build cache: its bucket, the age limit, a mirror per architecture. */
export function cacheCleanupTarget(settings: Settings, kind: CacheKind): { bucket: string; maxAgeDays: number; prefixes: string[] } {
  return {
    bucket: cacheBucket(settings, kind),
    maxAgeDays: kind === 'production' ? settings.cacheCleanup.maxAgeDays : settings.cacheCleanup.developmentMaxAgeDays,
    prefixes: architectureNames(settings),
  };
}
