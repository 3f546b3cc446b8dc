import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../generator/app/project.js';
import { bucketConnection, parseSettings, s3CredentialAliases, spackJobEnvironment, unknownOverrides } from '../../generator/settings/settings.js';
import { REPO_ROOT } from '../support/project.js';

const file = path.join(REPO_ROOT, 'settings.yaml');
const text = readFileSync(file, 'utf8');

describe('settings', () => {
  it('loads the bundled settings file', async () => {
    const settings = await loadSettings(file, {});
    expect(settings.architectures.amd64!.runnerTags).toEqual(['docker', 'amd64']);
    expect(settings.architectures.arm64!.spackTarget).toBe('aarch64');
    expect(settings.s3.cacheBucket).toBe('spack-build-cache');
  });

  it('lets CI variables override any value, lists comma separated', () => {
    const settings = parseSettings('settings.yaml', text, {
      SPACKTAINERS_S3_ENDPOINT: 'https://s3.internal:9000',
      SPACKTAINERS_ARCHITECTURES_ARM64_RUNNER_TAGS: 'grace, hopper',
      SPACKTAINERS_CACHE_CLEANUP_MAX_AGE_DAYS: '30',
      SPACKTAINERS_REGISTRY_PASSWORD_VARIABLE: 'MY_REGISTRY_TOKEN',
    });
    expect(settings.s3.endpoint).toBe('https://s3.internal:9000');
    expect(settings.architectures.arm64!.runnerTags).toEqual(['grace', 'hopper']);
    expect(settings.cacheCleanup.maxAgeDays).toBe(30);
    expect(settings.registry.passwordVariable).toBe('MY_REGISTRY_TOKEN');
  });

  it('rejects an override that is not a valid value, naming the variable', () => {
    expect(() => parseSettings('settings.yaml', text, { SPACKTAINERS_CACHE_CLEANUP_MAX_AGE_DAYS: 'soon' })).toThrow(
      'settings.yaml (overridden by $SPACKTAINERS_CACHE_CLEANUP_MAX_AGE_DAYS): cacheCleanup.maxAgeDays: must be a number, got string "soon"',
    );
    expect(() => parseSettings('settings.yaml', text, { SPACKTAINERS_S3_ENDPOINT: 'http://x; rm -rf /' })).toThrow('is not a plain value');
  });

  it('refuses in CI a SPACKTAINERS_ variable that overrides no setting, with the one it is closest to', () => {
    const misspelt = { SPACKTAINERS_S3_ENDPOINTT: 'http://s3', SPACKTAINERS_ARCHITECTURES_AMD64_RUNNER_TAG: 'big' };
    expect(() => parseSettings('settings.yaml', text, { CI: 'true', ...misspelt })).toThrow(
      '$SPACKTAINERS_ARCHITECTURES_AMD64_RUNNER_TAG: overrides no setting of settings.yaml; did you mean SPACKTAINERS_ARCHITECTURES_AMD64_RUNNER_TAGS?\n' +
        '$SPACKTAINERS_S3_ENDPOINTT: overrides no setting of settings.yaml; did you mean SPACKTAINERS_S3_ENDPOINT?',
    );
    // Outside CI they are validate's warnings; the settings load.
    expect(parseSettings('settings.yaml', text, misspelt).s3.endpoint).not.toBe('http://s3');
    expect(
      unknownOverrides({ SPACKTAINERS_NOTHING_LIKE_IT: '1' }, 'settings.yaml', parseSettings('settings.yaml', text)).map((error) => error.message),
    ).toEqual(['$SPACKTAINERS_NOTHING_LIKE_IT: overrides no setting of settings.yaml']);
  });

  it("knows spacktainers' own variables that are no setting's override", () => {
    const own = {
      SPACKTAINERS_PIPELINE: 'clean-cache',
      SPACKTAINERS_PIPELINE_KIND: 'clean-cache',
      SPACKTAINERS_BASE_TAG: 'latest',
      SPACKTAINERS_DURATIONS: 'spack-durations/amd64.json',
      SPACKTAINERS_BINDS: '/x',
    };
    expect(unknownOverrides({ ...own, SPACKTAINERS_S3_ENDPOINT: 'http://s3', OTHER: '1' }, 'settings.yaml', parseSettings('settings.yaml', text))).toEqual([]);
    expect(parseSettings('settings.yaml', text, { CI: 'true', ...own }).defaultBranch).toBe('main');
  });

  it('says which key a misspelt one meant, once', () => {
    const line = text.split('\n').findIndex((l) => l.startsWith('defaultBranch:')) + 1;
    expect(() => parseSettings('s.yaml', text.replace('defaultBranch: main', 'defaultBranh: main'), {})).toThrow(
      new RegExp(`^s\\.yaml:${line}:1: defaultBranh: unknown key \\(allowed here: [^)]*\\); did you mean defaultBranch\\?$`),
    );
  });

  it('rejects unknown and missing keys with their position', () => {
    expect(() => parseSettings('s.yaml', text.replace('defaultBranch: main', 'defaultBranch: main\nsecret: hunter2'), {})).toThrow(
      /s\.yaml:\d+:1: secret: unknown key/,
    );
    expect(() => parseSettings('s.yaml', text.replace(/^ {4}spackTarget: aarch64\n/m, ''), {})).toThrow(
      /s\.yaml:\d+:\d+: architectures\.arm64\.spackTarget: is required/,
    );
  });

  it('refuses a janitor grace period that a Spack build job could outlast', () => {
    const line = text.split('\n').findIndex((l) => l.includes('graceHours: 24')) + 1;
    expect(() => parseSettings('s.yaml', text.replace('graceHours: 24', 'graceHours: 6'))).toThrow(
      `s.yaml:${line}:15: cacheCleanup.graceHours: 6 hours is not longer than spack.buildJobTimeout (6h)`,
    );
    expect(parseSettings('s.yaml', text.replace('graceHours: 24', 'graceHours: 0')).cacheCleanup.graceHours).toBe(0);
    expect(parseSettings('s.yaml', text).cacheCleanup.graceHours).toBe(24);
  });

  it('takes job timeouts as GitLab durations and rejects anything else with its position', () => {
    // One-pass cleanup, so that the grace period does not have to outlast the longest timeouts.
    const withTimeout = (value: string) =>
      text.replace('buildJobTimeout: 6h', `buildJobTimeout: ${JSON.stringify(value)}`).replace('graceHours: 24', 'graceHours: 0');
    for (const value of ['6h', '1h 30m', '1h30m', '90 minutes', '2 days', '1w']) {
      expect(parseSettings('s.yaml', withTimeout(value)).spack.buildJobTimeout).toBe(value);
    }
    const line = text.split('\n').findIndex((l) => l.includes('buildJobTimeout: 6h')) + 1;
    expect(() => parseSettings('s.yaml', withTimeout('6'))).toThrow(
      `s.yaml:${line}:20: spack.buildJobTimeout: "6" is not a GitLab duration such as 6h, 1h 30m or 90 minutes`,
    );
    expect(() => parseSettings('s.yaml', withTimeout('six hours'))).toThrow('is not a GitLab duration');
    expect(() => parseSettings('s.yaml', withTimeout('0h'))).toThrow('spack.buildJobTimeout: must be longer than nothing');
    expect(() => parseSettings('s.yaml', withTimeout('40d'))).toThrow('"40d" is longer than the month GitLab allows a job');
    expect(parseSettings('s.yaml', text, { SPACKTAINERS_CONTAINERS_BUILD_JOB_TIMEOUT: '3h' }).containers.buildJobTimeout).toBe('3h');
    expect(() => parseSettings('s.yaml', text, { SPACKTAINERS_CONTAINERS_BUILD_JOB_TIMEOUT: 'later' })).toThrow(
      's.yaml (overridden by $SPACKTAINERS_CONTAINERS_BUILD_JOB_TIMEOUT): containers.buildJobTimeout: "later" is not a GitLab duration',
    );
  });

  it('names credentials by variable, never holds them', () => {
    const settings = parseSettings('settings.yaml', text, { SPACKTAINERS_S3_ACCESS_KEY_VARIABLE: 'S3_KEY' });
    const connection = bucketConnection(settings, 'cache', 'amd64');
    expect(s3CredentialAliases(connection)).toEqual({ AWS_ACCESS_KEY_ID: 'S3_KEY' });
    expect(spackJobEnvironment(connection)).toEqual({ S3_ENDPOINT_URL: 'https://s3.example.org', AWS_DEFAULT_REGION: 'us-east-1' });
  });
});
