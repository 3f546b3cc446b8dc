import { appendFile, cp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureLines } from '../../generator/cli/failure.js';
import { SpacktainersError } from '../../generator/errors.js';
import { FIXTURES } from '../support/buildcache.js';
import { runBuiltCli, type CliRun } from '../support/cli.js';
import { makeProject, REPO_ROOT } from '../support/project.js';

const STACK_LINE = /^\s+at /m;

/** A loopback port nothing listens on: bound once by the system, then closed. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function expectOneLine(run: CliRun, code: number, line: RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.split('\n')).toEqual([expect.stringMatching(line), '']);
}

describe('one error surface: one line, exit 1; usage errors exit 2; stacks only on request', () => {
  let project: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runBuiltCli(args, project, env);

  beforeAll(async () => {
    project = await makeProject({ 'amd64/zlib.yaml': 'spack:\n  specs:\n  - zlib\n' });
    await cp(path.join(FIXTURES, 'small', 'spack.lock'), path.join(project, 'spack.lock'));
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  for (const [args, line] of [
    [
      ['create-jobs', '--no-such-option'],
      /^spacktainers create-jobs: Unsupported option name \("--no-such-option"\)\. \(see spacktainers create-jobs --help\)$/,
    ],
    [
      ['container-jobs'],
      /^spacktainers container-jobs: missing --arch ARCH; usage: spacktainers container-jobs --arch ARCH \[options\] \(see spacktainers container-jobs --help\)$/,
    ],
    [['modules', 'publish', '--arch', 'amd64', '--name', 'numpy'], /^spacktainers modules publish: missing --version VERSION, --sif-key KEY; usage: /],
    [['plan', '--input'], /^spacktainers plan: Not enough arguments to option --input\. \(see spacktainers plan --help\)$/],
    [['status', 'numpy', 'extra'], /^spacktainers status: /],
    [['gitlab'], /^spacktainers: unknown command \(see spacktainers --help\)$/],
    // Only the settings know the architectures: checked once they are read, in the same frame.
    [
      ['container-jobs', '--arch', 'ppc64le'],
      /^spacktainers container-jobs: --arch: must be one of the settings' architectures amd64, arm64, got ppc64le \(see spacktainers container-jobs --help\)$/,
    ],
    [['no-such-command'], /^spacktainers: unknown command \(see spacktainers --help\)$/],
    [['clean-cache', '--env', 'spack.lock', '--max-age-days', '1'], /^spacktainers clean-cache: --bucket \(or --cache\) is required/],
    // An option value the command checks itself is a usage error too, in the same frame.
    [
      ['clean-cache', '--bucket', 'cache', '--env', 'spack.lock', '--max-age-days', 'soon'],
      /^spacktainers clean-cache: --max-age-days: invalid value "soon" \(see spacktainers clean-cache --help\)$/,
    ],
    [
      ['create-jobs', '--offline', '--max-yaml-bytes', '0'],
      /^spacktainers create-jobs: --max-yaml-bytes: must be a whole number above 0, got 0 \(see spacktainers create-jobs --help\)$/,
    ],
    [
      ['plan', '--input', '.', '--cache', 'staging'],
      /^spacktainers plan: --cache: must be one of production, development, got staging \(see spacktainers plan --help\)$/,
    ],
    [
      ['gitlab', 'artifacts', '--job', 'x', '--match', '('],
      /^spacktainers gitlab artifacts: --match: Invalid regular expression: .* \(see spacktainers gitlab artifacts --help\)$/,
    ],
  ] as const) {
    it(`a usage error exits 2 with one line on stderr: ${args.join(' ')}`, async () => {
      expectOneLine(await cli([...args]), 2, line);
    });
  }

  it('bad input is one line naming the file, exit 1; --verbose or DEBUG add the stack trace', async () => {
    await appendFile(path.join(project, 'settings.yaml'), 'no-such-setting: 1\n');
    try {
      const plain = await cli(['create-jobs', '--offline']);
      expectOneLine(plain, 1, /^settings\.yaml:\d+:\d+: /);
      for (const run of [await cli(['create-jobs', '--offline', '--verbose']), await cli(['create-jobs', '--offline'], { DEBUG: '1' })]) {
        expect(run.code).toBe(1);
        expect(run.stderr.startsWith(plain.stderr)).toBe(true);
        expect(run.stderr).toMatch(STACK_LINE);
      }
    } finally {
      await cp(path.join(REPO_ROOT, 'settings.yaml'), path.join(project, 'settings.yaml'));
    }
  });

  it('a file system failure is one line naming the command and the path, without a stack unless asked', async () => {
    const run = await cli(['schemas', '--output', '/dev/null/schemas']);
    expectOneLine(run, 1, /^spacktainers schemas: ENOTDIR: not a directory, mkdir '\/dev\/null\/schemas'$/);
    expect((await cli(['schemas', '--output', '/dev/null/schemas', '--verbose'])).stderr).toMatch(STACK_LINE);
  });

  it("the janitor's own stops (a lease held by another run, a bucket index that is not Spack's) are their one line, not 'unexpected'", () => {
    const held =
      'build_cache/: another janitor holds the lease (spacktainers-janitor/lease/, renewed 2026-12-01T00:00:00.000Z); nothing was changed, try later';
    expect(failureLines(new SpacktainersError('service', held), 'spacktainers clean-cache')).toBe(held);
    expect(failureLines(new SpacktainersError('service', 'build_cache/index.json: not JSON (x)'), 'spacktainers clean-cache')).toBe(
      'build_cache/index.json: not JSON (x)',
    );
  });

  it('a limit error is one line per broken limit', () => {
    const violations = ['a.yml: job "x" has 60 needs, GitLab allows 50', 'b.yml: runs at depth 3, GitLab allows 2'];
    const lines = failureLines(SpacktainersError.all(violations.map((violation) => new SpacktainersError('limit', violation))), 'spacktainers x');
    expect(lines.split('\n')).toEqual([
      'a.yml: job "x" has 60 needs, GitLab allows 50 (GitLab would refuse this pipeline; nothing was written)',
      'b.yml: runs at depth 3, GitLab allows 2 (GitLab would refuse this pipeline; nothing was written)',
    ]);
  });

  describe('S3 (clean-cache)', () => {
    const clean = (endpoint: string, env: NodeJS.ProcessEnv) =>
      cli(['clean-cache', '--bucket', 'cache', '--endpoint', endpoint, '--env', 'spack.lock', '--max-age-days', '1', '--dry-run'], env);
    const keys = { AWS_ACCESS_KEY_ID: 'key', AWS_SECRET_ACCESS_KEY: 'secret' };

    it('missing credentials: one line naming the variables to set, not retried', async () => {
      const run = await clean(`http://127.0.0.1:${await unusedPort()}`, { AWS_EC2_METADATA_DISABLED: 'true' });
      expectOneLine(run, 1, /^S3: no credentials: set the CI variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY /);
    });

    it('an endpoint nothing listens on: one progress line per retry, then one line naming bucket and endpoint', async () => {
      const port = await unusedPort();
      const run = await clean(`http://127.0.0.1:${port}`, keys);
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n');
      const cause = `connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`;
      // The janitor's first request, reading its marks, is the one that fails.
      const request = 'get spacktainers-janitor/marks\\.json';
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^s3://cache: ${request}: attempt 1/3 failed \\(${cause}\\); retrying in \\d+\\.\\d s$`)),
        expect.stringMatching(new RegExp(`^s3://cache: ${request}: attempt 2/3 failed \\(${cause}\\); retrying in \\d+\\.\\d s$`)),
        expect.stringMatching(new RegExp(`^s3://cache: ${request}: ${cause}; check the S3 endpoint`)),
        '',
      ]);
    });

    it('a SIF upload to an endpoint nothing listens on: the same progress lines, then one line', async () => {
      const port = await unusedPort();
      const sif = path.join(project, 'x.sif');
      await appendFile(sif, 'sif');
      const run = await cli(['sif', 'upload', '--file', sif, '--key', 'x/x-1.sif'], { ...keys, SPACKTAINERS_S3_ENDPOINT: `http://127.0.0.1:${port}` });
      expect(run.code).toBe(1);
      const cause = `connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`;
      expect(run.stderr.split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^s3://\\S+: HeadObjectCommand x/x-1\\.sif: attempt 1/3 failed \\(${cause}\\); retrying in \\d+\\.\\d s$`)),
        expect.stringMatching(new RegExp(`^s3://\\S+: HeadObjectCommand x/x-1\\.sif: attempt 2/3 failed \\(${cause}\\); retrying in \\d+\\.\\d s$`)),
        expect.stringMatching(new RegExp(`^s3://\\S+: HeadObjectCommand x/x-1\\.sif: ${cause}; check the S3 endpoint`)),
        '',
      ]);
    });

    it('a host name that does not resolve is not retried', async () => {
      expectOneLine(
        await clean('http://nonexistent.invalid:9000', keys),
        1,
        /^s3:\/\/cache: get spacktainers-janitor\/marks\.json: getaddrinfo ENOTFOUND nonexistent\.invalid; check the S3 endpoint/,
      );
    });
  });

  describe('registry (create-jobs asking which base images exist)', () => {
    const createJobs = (host: string) => cli(['create-jobs'], { SPACKTAINERS_REGISTRY_HOST: host });

    it('a registry nothing listens on: progress lines for each look-up, then one line', async () => {
      const port = await unusedPort();
      const run = await createJobs(`127.0.0.1:${port}`);
      expect(run.code).toBe(1);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines.at(-1)).toBe(`127.0.0.1:${port}: cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines.slice(0, -1)) {
        expect(line).toMatch(
          new RegExp(
            `^127\\.0\\.0\\.1:${port}: GET /v2/\\S+/manifests/\\S+: attempt [12]/3 failed \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); retrying in \\d+\\.\\d s$`,
          ),
        );
      }
    });

    it('a registry host name that does not resolve is not retried', async () => {
      expectOneLine(
        await createJobs('nonexistent.invalid:5000'),
        1,
        /^nonexistent\.invalid:5000: cannot reach https:\/\/nonexistent\.invalid:5000: getaddrinfo ENOTFOUND nonexistent\.invalid$/,
      );
    });
  });

  describe('GitLab API (gitlab artifacts)', () => {
    const artifacts = (apiUrl: string) =>
      cli(['gitlab', 'artifacts', '--job', 'create-jobs', '--output', 'artifacts'], { CI_API_V4_URL: apiUrl, CI_PROJECT_ID: '1', GITLAB_API_TOKEN: 'token' });

    it('an endpoint nothing listens on: progress lines, then one line', async () => {
      const port = await unusedPort();
      const run = await artifacts(`http://127.0.0.1:${port}/api/v4`);
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/: attempt 1\/3 failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); retrying in \d+\.\d s$/);
      expect(lines[1]).toMatch(/: attempt 2\/3 failed /);
      expect(lines[2]).toMatch(/: connect ECONNREFUSED 127\.0\.0\.1:\d+; check CI_API_V4_URL$/);
    });

    it('a host name that does not resolve is not retried', async () => {
      expectOneLine(await artifacts('http://nonexistent.invalid/api/v4'), 1, /: getaddrinfo ENOTFOUND nonexistent\.invalid; check CI_API_V4_URL$/);
    });

    it('a missing token is one line naming the variable', async () => {
      expectOneLine(
        await cli(['gitlab', 'artifacts', '--job', 'x'], { CI_API_V4_URL: 'http://127.0.0.1:1/api/v4', CI_PROJECT_ID: '1' }),
        1,
        /^the CI variable GITLAB_API_TOKEN is not set/,
      );
    });
  });
});
