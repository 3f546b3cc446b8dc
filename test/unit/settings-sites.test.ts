import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  architectureNames,
  bucketConnection,
  BUCKETS,
  imagePlatform,
  jobProxy,
  parseSettings,
  pipelineConnection,
  unknownOverrides,
  type Settings,
} from '../../generator/settings/settings.js';
import { buildSpackPipeline } from '../../generator/spack/build-pipeline.js';
import { parseSpackPipeline } from '../../generator/spack/generate-output-parser.js';
import { REPO_ROOT } from '../support/project.js';
import { BUNDLED_SETTINGS, PRODUCTION_CACHE_VARIABLES, renamedArchitectures, twoSiteSettings } from '../support/sites.js';

const SITE_A_PROXY = { http: 'http://proxy.site-a.example.org:3128', https: 'http://proxy.site-a.example.org:3128', noProxy: '.site-a.example.org' };
const NO_PROXY = { http: '', https: '', noProxy: '' };
const twoSites = parseSettings('two-sites.yaml', twoSiteSettings());

/** The line and column of the first `text` in `content`, 1-based, as errors print them. */
function position(content: string, text: string): string {
  const before = content.slice(0, content.indexOf(text)).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('the connection of a job to a bucket', () => {
  it('is s3 and proxy for every bucket and architecture in the simple case', () => {
    const settings = parseSettings('settings.yaml', BUNDLED_SETTINGS);
    for (const arch of architectureNames(settings)) {
      for (const bucket of BUCKETS) {
        expect(bucketConnection(settings, bucket, arch)).toEqual({
          endpoint: 'https://s3.example.org',
          region: 'us-east-1',
          accessKeyVariable: 'AWS_ACCESS_KEY_ID',
          secretKeyVariable: 'AWS_SECRET_ACCESS_KEY',
          proxy: NO_PROXY,
        });
      }
    }
  });

  it("takes a bucket's values over s3's, an architecture's over a bucket's, and the architecture's for the bucket over all (docs/settings.md)", () => {
    const siteA = { endpoint: 'https://s3.site-a.example.org', region: 'us-east-1', proxy: SITE_A_PROXY };
    const siteB = { endpoint: 'https://s3.site-b.example.org', region: 'site-b', proxy: NO_PROXY };
    const keys = (prefix: string) => ({ accessKeyVariable: `${prefix}_ACCESS_KEY`, secretKeyVariable: `${prefix}_SECRET_KEY` });
    expect(bucketConnection(twoSites, 'cache', 'amd64')).toEqual({ ...siteA, ...keys('S3_PROD_CACHE') });
    expect(bucketConnection(twoSites, 'developmentCache', 'amd64')).toEqual({ ...siteA, ...keys('S3_DEV_CACHE') });
    expect(bucketConnection(twoSites, 'sif', 'amd64')).toEqual({ ...siteA, ...keys('S3_SIF') });
    expect(bucketConnection(twoSites, 'cache', 'arm64')).toEqual({ ...siteB, ...keys('S3_B_PROD_CACHE') });
    expect(bucketConnection(twoSites, 'developmentCache', 'arm64')).toEqual({ ...siteB, ...keys('S3_B_DEV_CACHE') });
    // Only https is set for the SIF bucket on arm64: the rest of the proxy is the architecture's (none).
    expect(bucketConnection(twoSites, 'sif', 'arm64')).toEqual({ ...siteA, proxy: { ...NO_PROXY, https: SITE_A_PROXY.https }, ...keys('S3_SIF') });
    expect(jobProxy(twoSites, 'amd64')).toEqual(SITE_A_PROXY);
    expect(jobProxy(twoSites, 'arm64')).toEqual(NO_PROXY);
  });

  it('gives a pipeline of the development cache its credentials for the production cache, at the production endpoint', () => {
    expect(pipelineConnection(twoSites, 'cache', 'arm64', 'development')).toEqual({
      ...bucketConnection(twoSites, 'cache', 'arm64'),
      accessKeyVariable: 'S3_B_DEV_CACHE_ACCESS_KEY',
      secretKeyVariable: 'S3_B_DEV_CACHE_SECRET_KEY',
    });
    expect(pipelineConnection(twoSites, 'cache', 'arm64', 'production')).toEqual(bucketConnection(twoSites, 'cache', 'arm64'));
    expect(pipelineConnection(twoSites, 'sif', 'amd64', 'development')).toEqual(bucketConnection(twoSites, 'sif', 'amd64'));
  });

  it('takes overrides from CI variables, also of keys the file leaves out', () => {
    const settings = parseSettings('settings.yaml', BUNDLED_SETTINGS, {
      SPACKTAINERS_S3_CACHE_ENDPOINT: 'https://s3.production.example.org',
      SPACKTAINERS_ARCHITECTURES_ARM64_PROXY_HTTPS: 'http://proxy:3128',
      SPACKTAINERS_ARCHITECTURES_ARM64_S3_SIF_ACCESS_KEY_VARIABLE: 'ARM_SIF_KEY',
    });
    expect(bucketConnection(settings, 'cache', 'amd64').endpoint).toBe('https://s3.production.example.org');
    expect(bucketConnection(settings, 'developmentCache', 'amd64').endpoint).toBe('https://s3.example.org');
    expect(jobProxy(settings, 'arm64')).toEqual({ ...NO_PROXY, https: 'http://proxy:3128' });
    expect(jobProxy(settings, 'amd64')).toEqual(NO_PROXY);
    expect(bucketConnection(settings, 'sif', 'arm64').accessKeyVariable).toBe('ARM_SIF_KEY');
    expect(() => parseSettings('settings.yaml', BUNDLED_SETTINGS, { SPACKTAINERS_S3_SIF_SECRET_KEY_VARIABLE: 'not a name' })).toThrow(
      'settings.yaml (overridden by $SPACKTAINERS_S3_SIF_SECRET_KEY_VARIABLE): s3.sif.secretKeyVariable: "not a name" is not a CI variable name',
    );
  });

  it("knows every architecture's override variables, and refuses a misspelt one in CI", () => {
    expect(() => parseSettings('settings.yaml', BUNDLED_SETTINGS, { CI: 'true', SPACKTAINERS_ARCHITECTURES_ARM64_S3_CACHE_ENDPIONT: 'x' })).toThrow(
      '$SPACKTAINERS_ARCHITECTURES_ARM64_S3_CACHE_ENDPIONT: overrides no setting of settings.yaml; did you mean SPACKTAINERS_ARCHITECTURES_ARM64_S3_CACHE_ENDPOINT?',
    );
    const renamed = parseSettings('settings.yaml', renamedArchitectures('x86_64', 'power-9'));
    expect(unknownOverrides({ SPACKTAINERS_ARCHITECTURES_X86_64_RUNNER_TAGS: 'a', SPACKTAINERS_ARCHITECTURES_POWER_9_PROXY_HTTP: 'b' }, 's', renamed)).toEqual(
      [],
    );
    expect(unknownOverrides({ SPACKTAINERS_ARCHITECTURES_AMD64_RUNNER_TAGS: 'a' }, 's', renamed).map((error) => error.message)).toEqual([
      '$SPACKTAINERS_ARCHITECTURES_AMD64_RUNNER_TAGS: overrides no setting of s; did you mean SPACKTAINERS_ARCHITECTURES_X86_64_RUNNER_TAGS?',
    ]);
  });
});

describe('architectures come from the settings', () => {
  it('are any names the settings list, in their order', () => {
    const settings = parseSettings('s.yaml', renamedArchitectures('x86_64', 'ppc64le'), { SPACKTAINERS_ARCHITECTURES_X86_64_RUNNER_TAGS: 'big' });
    expect(architectureNames(settings)).toEqual(['x86_64', 'ppc64le']);
    expect(settings.architectures.x86_64!.runnerTags).toEqual(['big']);
    expect(architectureNames(parseSettings('s.yaml', renamedArchitectures('zz', 'aa')))).toEqual(['zz', 'aa']);
  });

  it('have images of their own name as OCI platform, unless the settings name another', () => {
    const named = renamedArchitectures('x86_64', 'arm64').replace('  x86_64:\n', '  x86_64:\n    platform: amd64\n');
    const settings = parseSettings('s.yaml', named);
    expect(imagePlatform(settings, 'x86_64')).toBe('amd64');
    expect(imagePlatform(settings, 'arm64')).toBe('arm64');
    const wrong = named.replace('platform: amd64', 'platform: linux/amd64');
    expect(() => parseSettings('s.yaml', wrong)).toThrow(
      `s.yaml:${position(wrong, 'linux/amd64')}: architectures.x86_64.platform: "linux/amd64" is not an OCI platform architecture such as amd64, arm64 or ppc64le`,
    );
  });

  it('refuses a name that is no architecture name, an empty list and a misspelt override key, each at its place', () => {
    const upper = renamedArchitectures('X86', 'arm64');
    expect(() => parseSettings('s.yaml', upper)).toThrow(
      `s.yaml:${position(upper, 'X86:')}: architectures.X86: "X86" is not an architecture name (lower-case letters, digits, _ and -; at most 32)`,
    );
    const none = BUNDLED_SETTINGS.slice(0, BUNDLED_SETTINGS.indexOf('\narchitectures:') + 1) + 'architectures: {}\n';
    expect(() => parseSettings('s.yaml', none)).toThrow(`s.yaml:${position(none, '{}')}: architectures: must not be empty`);
    const misspelt = BUNDLED_SETTINGS.replace(
      '    spackTarget: aarch64\n',
      '    spackTarget: aarch64\n    s3:\n      cache:\n        endpiont: https://s3.b\n',
    );
    expect(() => parseSettings('s.yaml', misspelt)).toThrow(
      new RegExp(
        `^s\\.yaml:${position(misspelt, 'endpiont')}: architectures\\.arm64\\.s3\\.cache\\.endpiont: unknown key \\(allowed here: [^)]*\\); did you mean endpoint\\?$`,
      ),
    );
    const proxy = BUNDLED_SETTINGS.replace('    spackTarget: aarch64\n', '    spackTarget: aarch64\n    proxy:\n      htps: http://p\n');
    expect(() => parseSettings('s.yaml', proxy)).toThrow(/architectures\.arm64\.proxy\.htps: unknown key .*; did you mean https\?$/);
  });
});

describe('production cache credentials only in jobs of protected refs', () => {
  const fixture = (name: string) => parseSpackPipeline(name, readFileSync(path.join(REPO_ROOT, 'fixtures/spack', name), 'utf8'));
  const buildJobs = (settings: Settings, arch: string, cache: 'production' | 'development') =>
    buildSpackPipeline([fixture('small/pipeline.yml')], { settings, arch, cache, outputPath: `generated/${arch}/spack-pipeline` })
      .pipelines.map((file) => file.text)
      .join('\n');

  it('the Spack build jobs of a development pipeline name only the development cache credentials', () => {
    for (const arch of ['amd64', 'arm64']) {
      const development = buildJobs(twoSites, arch, 'development');
      for (const variable of PRODUCTION_CACHE_VARIABLES) expect(development).not.toContain(variable);
      expect(development).toContain(arch === 'amd64' ? 'AWS_ACCESS_KEY_ID: $S3_DEV_CACHE_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID: $S3_B_DEV_CACHE_ACCESS_KEY');
    }
    expect(buildJobs(twoSites, 'amd64', 'development')).toContain(
      "# Builds push to s3://spack-build-cache-dev/amd64 (the development build cache) with the key pair in the CI variables S3_DEV_CACHE_ACCESS_KEY and S3_DEV_CACHE_SECRET_KEY; the production cache's is for protected refs only.\n",
    );
    const oneKeyPair = parseSettings('settings.yaml', BUNDLED_SETTINGS);
    expect(buildJobs(oneKeyPair, 'amd64', 'development')).toContain(
      " AWS_SECRET_ACCESS_KEY; it is the production cache's too (settings s3.cache: docs/settings.md).\n",
    );
    expect(buildJobs(twoSites, 'amd64', 'production')).toContain('AWS_ACCESS_KEY_ID: $S3_PROD_CACHE_ACCESS_KEY');
    expect(buildJobs(twoSites, 'arm64', 'production')).toContain('S3_ENDPOINT_URL: https://s3.site-b.example.org');
  });
});
