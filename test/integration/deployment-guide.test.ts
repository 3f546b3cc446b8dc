import { execFileSync } from 'node:child_process';
import { runProcess, type CliRun } from '../support/cli.js';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { git, serveComponentRelease, VERSION } from '../support/component-release.js';
import type { GitServer } from '../support/git-server.js';
import { gitlabCiLocal } from '../support/gitlab-ci-local.js';
import { gitlabSchemaErrors } from '../support/gitlab-schema.js';
import { FakeGitlab, PROJECT_ID, TOKEN } from '../support/gitlab-server.js';
import { packPackage } from '../support/package.js';
import { REPO_ROOT } from '../support/project.js';

/**
 * docs/deployment.md promises that every shell block in it runs. This runs them, in order, as one
 * script (a `cd` or a shell function carries over from block to block, as when a reader pastes
 * them), with the packed package installed by the guide's own `npm install --global`, the loopback
 * GitLab in place of the reader's, and a bare repository in place of the project's remote.
 */
const GUIDE = path.join(REPO_ROOT, 'docs/deployment.md');

function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

describe('the deployment guide', () => {
  const gitlab = new FakeGitlab();
  let components: GitServer;
  let workspace: string;
  let run: CliRun;

  beforeAll(async () => {
    const api = await gitlab.start();
    workspace = await mkdtemp(path.join(tmpdir(), 'spacktainers-guide-'));
    const remote = path.join(workspace, 'remote.git');
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', remote]);
    const script = ['set -euo pipefail', ...shellBlocks(await readFile(GUIDE, 'utf8'))].join('\n');
    const secret = (name: string) => `${name}-0123456789abcdef`;
    run = await runProcess('bash', ['-c', script], workspace, {
      PATH: `${path.join(workspace, 'npm-global/bin')}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME,
      // npm installs globally into the workspace, from the cache `npm ci` filled.
      npm_config_prefix: path.join(workspace, 'npm-global'),
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      PACKAGE: (await packPackage(workspace)).tarball,
      GITLAB_API: api,
      GITLAB_TOKEN: TOKEN,
      PROJECT_ID: String(PROJECT_ID),
      REPOSITORY_URL: remote,
      PROD_CACHE_KEY_ID: secret('prod-key'),
      PROD_CACHE_SECRET: secret('prod-secret'),
      DEV_CACHE_KEY_ID: secret('dev-key'),
      DEV_CACHE_SECRET: secret('dev-secret'),
      SIF_KEY_ID: secret('sif-key'),
      SIF_SECRET: secret('sif-secret'),
      DOCKERHUB_USER: 'examplehpc-bot',
      DOCKERHUB_TOKEN: secret('dckr-pat'),
    });
  }, 240_000);

  afterAll(async () => {
    await gitlab.stop();
    await components?.stop();
  });

  it('runs every shell block to the end', () => {
    // npm 11 warns of the package's prepare script, which only a git-URL install runs.
    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn install-scripts'))).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('installs the package and generates the first pipelines offline', async () => {
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/m);
    expect(await readdir(path.join(workspace, 'hpc-containers/generated'))).toContain('spacktainers.yml');
  });

  it('pushes the project, which holds only what its users edit', () => {
    const files = execFileSync('git', ['ls-tree', '-r', '--name-only', 'main'], { cwd: path.join(workspace, 'remote.git'), encoding: 'utf8' });
    expect(files.trim().split('\n')).toEqual(['.gitignore', '.gitlab-ci.yml', 'container_definitions/amd64/zlib.yaml', 'settings.yaml']);
  });

  it('stores the production secrets as protected variables, the others unprotected, all masked', () => {
    const stored = Object.fromEntries(gitlab.variables.map((v) => [v.key, v]));
    expect(Object.keys(stored).sort()).toEqual([
      'DOCKERHUB_TOKEN',
      'DOCKERHUB_USER',
      'GITLAB_API_TOKEN',
      'S3_DEV_CACHE_ACCESS_KEY',
      'S3_DEV_CACHE_SECRET_KEY',
      'S3_PROD_CACHE_ACCESS_KEY',
      'S3_PROD_CACHE_SECRET_KEY',
      'S3_SIF_ACCESS_KEY',
      'S3_SIF_SECRET_KEY',
    ]);
    expect(gitlab.variables.every((v) => v.masked)).toBe(true);
    const protectedKeys = gitlab.variables.filter((v) => v.protected).map((v) => v.key);
    expect(protectedKeys.sort()).toEqual(['DOCKERHUB_TOKEN', 'DOCKERHUB_USER', 'S3_PROD_CACHE_ACCESS_KEY', 'S3_PROD_CACHE_SECRET_KEY']);
  });

  it('makes a project access token with the api scope and stores it, not the set-up token', () => {
    expect(gitlab.accessTokens).toEqual([expect.objectContaining({ name: 'spacktainers', scopes: ['api'], access_level: 30 })]);
    expect(gitlab.variables.find((v) => v.key === 'GITLAB_API_TOKEN')?.value).toBe(gitlab.accessTokens[0]!.token);
    expect(gitlab.variables.some((v) => v.value === TOKEN)).toBe(false);
  });

  it("includes this release's component, which gives the architecture its jobs on its runners", async () => {
    // The project's remote on the instance serving the component, as on the reader's GitLab.
    components = await serveComponentRelease();
    const project = path.join(workspace, 'hpc-containers');
    await git(project, 'remote', 'set-url', 'origin', `${components.url}/hpc/hpc-containers.git`);
    const ciFile = await readFile(path.join(project, '.gitlab-ci.yml'), 'utf8');
    expect([...ciFile.matchAll(/@(\S+)$/gm)].map((match) => match[1])).toEqual([VERSION, VERSION]);
    const preview = await gitlabCiLocal(project, '.gitlab-ci.yml', ['--preview'], { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main' });
    expect(preview.code).toBe(0);
    const text = preview.stdout.slice(preview.stdout.indexOf('---'));
    expect(gitlabSchemaErrors(text)).toEqual([]);
    const jobs = parse(text) as Record<string, { tags?: string[]; image?: unknown }>;
    expect(jobs['spack-generate:amd64']?.tags).toEqual(['spacktainers', 'amd64']);
    expect(jobs['create-jobs']?.image).toEqual({ name: `registry.example.org/hpc/spacktainers/generator:${VERSION}` });
  });

  it('schedules the janitor and the branch cleanup on the default branch', () => {
    expect(gitlab.schedules.map((s) => [s.ref, s.cron, s.variables])).toEqual([
      ['main', '0 3 * * 6', [{ key: 'SPACKTAINERS_PIPELINE', value: 'clean-cache' }]],
      ['main', '0 4 * * *', [{ key: 'SPACKTAINERS_PIPELINE', value: 'clean-branches' }]],
    ]);
  });
});
