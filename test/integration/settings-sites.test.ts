import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../generator/settings/settings.js';
import { runCli } from '../support/cli.js';
import { secretLeaks } from '../support/secrets.js';
import { filesBelow, makeProject, REPO_ROOT } from '../support/project.js';
import { PRODUCTION_CACHE_VARIABLES, renamedArchitectures, twoSiteSettings } from '../support/sites.js';

const ubuntuTools = await readFile(path.join(REPO_ROOT, 'container_definitions/amd64/ubuntu-tools.def'), 'utf8');
const numpy = await readFile(path.join(REPO_ROOT, 'container_definitions/arm64/numpy.yaml'), 'utf8');

describe('architectures named only by the settings', () => {
  it('generate jobs for x86_64 and ppc64le, and nothing for amd64 or arm64', async () => {
    const project = await makeProject({ 'x86_64/ubuntu-tools.def': ubuntuTools, 'ppc64le/numpy.yaml': numpy });
    await writeFile(path.join(project, 'settings.yaml'), renamedArchitectures('x86_64', 'ppc64le'));
    const created = await runCli(['create-jobs', '--offline'], project);
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('create-jobs: 2 containers (x86_64: 1, ppc64le: 1)');
    const published = await runCli(['container-jobs', '--arch', 'x86_64', '--offline'], project);
    expect(published.stderr).toBe('');
    const files = await filesBelow(path.join(project, 'generated'), 'utf8');
    const written = Object.keys(files).filter((file) => !file.includes('/environments/') && !path.basename(file).startsWith('.'));
    expect(written.sort()).toEqual([
      'base-images.yml',
      'ppc64le/spack-generate.sh',
      'spacktainers.yml',
      'x86_64/containers/containers.yml',
      'x86_64/containers/ubuntu-tools/provenance.json',
      'x86_64/spack-generate.sh',
    ]);
    for (const [file, text] of Object.entries(files)) expect(text, file).not.toMatch(/amd64|arm64/);
    const root = files['spacktainers.yml']!;
    expect(root).toContain('container-jobs:x86_64:');
    expect(root).toContain('container-jobs:ppc64le:');
    // The primary architecture (listed first) carries the plain tags; the other its suffix.
    expect(files['base-images.yml']).toContain('base/builder:latest-ppc64le');
    expect(files['x86_64/containers/containers.yml']).toContain('sif upload --arch x86_64');
  });

  it('points the generated jobs at the settings file their writer read, wherever the project keeps it', async () => {
    const project = await makeProject({ 'x86_64/ubuntu-tools.def': ubuntuTools, 'ppc64le/numpy.yaml': numpy });
    await writeFile(path.join(project, 'site settings.yaml'), renamedArchitectures('x86_64', 'ppc64le'));
    const settings = ['--settings', 'site settings.yaml'];
    expect((await runCli(['create-jobs', '--offline', ...settings], project)).stderr).toBe('');
    const root = await readFile(path.join(project, 'generated/spacktainers.yml'), 'utf8');
    expect(root).toContain("spacktainers container-jobs --arch x86_64 --generated generated --settings 'site settings.yaml'");
    expect((await runCli(['container-jobs', '--arch', 'x86_64', '--offline', ...settings], project)).stderr).toBe('');
    const publishing = await readFile(path.join(project, 'generated/x86_64/containers/containers.yml'), 'utf8');
    expect(publishing.match(/spacktainers sif upload .* --settings 'site settings.yaml'$/gm)).toHaveLength(2);
  });

  it('refuses an --arch the settings do not list, naming them, and a folder of such an architecture', async () => {
    const project = await makeProject({ 'x86_64/ubuntu-tools.def': ubuntuTools });
    await writeFile(path.join(project, 'settings.yaml'), renamedArchitectures('x86_64', 'ppc64le'));
    const wrong = await runCli(['container-jobs', '--arch', 'amd64', '--offline'], project);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--arch: must be one of the settings' architectures x86_64, ppc64le, got amd64");
    const stray = await makeProject({ 'x86_64/ubuntu-tools.def': ubuntuTools, 'amd64/tools.def': ubuntuTools });
    await writeFile(path.join(stray, 'settings.yaml'), renamedArchitectures('x86_64', 'ppc64le'));
    const validated = await runCli(['validate'], stray);
    expect(validated.code).toBe(1);
    expect(validated.stderr).toContain('container_definitions/amd64: not an architecture of the settings (x86_64, ppc64le)');
  });
});

describe('production cache credentials only in jobs of protected refs (two-site settings of docs/settings.md)', () => {
  /** Every file the demo generates for the bundled definitions with the two-site settings, in a pipeline of `environment`. */
  const generate = async (environment: NodeJS.ProcessEnv) => {
    const project = await makeProject({});
    await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(project, 'container_definitions'), { recursive: true });
    await writeFile(path.join(project, 'settings.yaml'), twoSiteSettings());
    const run = await runCli(['demo', '--examples', path.join(REPO_ROOT, 'examples/spack-outputs')], project, environment);
    expect(run.code, run.stderr).toBe(0);
    const files = await filesBelow(path.join(project, 'generated'), 'utf8');
    // Every key pair of every bucket and site is only ever piped or aliased, never on a command line.
    const settings = parseSettings('settings.yaml', twoSiteSettings());
    for (const [file, text] of Object.entries(files)) expect([file, secretLeaks(text, settings)]).toEqual([file, []]);
    return files;
  };

  it('a merge request pipeline names none of their variables in any generated job', async () => {
    const files = await generate({ CI_COMMIT_REF_NAME: 'feature', CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature', CI_DEFAULT_BRANCH: 'main' });
    for (const [file, text] of Object.entries(files)) for (const variable of PRODUCTION_CACHE_VARIABLES) expect(text, file).not.toContain(variable);
    // It holds the development cache's, per site, and reads the production cache at its endpoint.
    expect(files['amd64/spack-generate.sh']).toContain('export AWS_ACCESS_KEY_ID="${S3_DEV_CACHE_ACCESS_KEY}"');
    expect(files['arm64/spack-generate.sh']).toContain('export AWS_ACCESS_KEY_ID="${S3_B_DEV_CACHE_ACCESS_KEY}"');
    expect(files['arm64/spack-generate.sh']).toContain('export S3_ENDPOINT_URL=https://s3.site-b.example.org');
    expect(files['amd64/containers/containers.yml']).toContain('printf \'%s\' "${S3_DEV_CACHE_ACCESS_KEY}"');
    expect(files['amd64/containers/containers.yml']).toContain('sif upload --arch amd64');
  });

  it('a merge request reads a production cache at another endpoint through that endpoint', async () => {
    const files = await generate({
      CI_COMMIT_REF_NAME: 'feature',
      CI_DEFAULT_BRANCH: 'main',
      SPACKTAINERS_S3_CACHE_ENDPOINT: 'https://s3.production.example.org',
    });
    expect(files['amd64/environments/numpy/spack.yaml']).toContain(
      '  mirrors:\n    spacktainers: s3://spack-build-cache-dev/amd64\n    production:\n      url: s3://spack-build-cache/amd64\n      endpoint_url: https://s3.production.example.org\n',
    );
  });

  it('the janitor cleans one architecture at a time where their connections to the cache differ', async () => {
    const project = await makeProject({});
    await writeFile(path.join(project, 'settings.yaml'), twoSiteSettings());
    const lock = path.join(REPO_ROOT, 'fixtures/spack/small/spack.lock');
    const run = await runCli(['clean-cache', '--cache', 'production', '--env', lock, '--dry-run'], project);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--prefix: amd64 and arm64 reach s3://spack-build-cache through different connections (settings architectures.<arch>.s3): clean one prefix at a time',
    );
  });

  it('the default branch pipeline holds them, for the production cache only', async () => {
    const files = await generate({ CI_COMMIT_REF_NAME: 'main', CI_DEFAULT_BRANCH: 'main' });
    expect(files['amd64/spack-generate.sh']).toContain('export AWS_ACCESS_KEY_ID="${S3_PROD_CACHE_ACCESS_KEY}"');
    expect(files['arm64/spack-generate.sh']).toContain('export AWS_ACCESS_KEY_ID="${S3_B_PROD_CACHE_ACCESS_KEY}"');
    const containers = files['amd64/containers/containers.yml']!;
    expect(containers).toContain('printf \'%s\' "${S3_PROD_CACHE_ACCESS_KEY}"');
    // The SIF jobs upload through the SIF bucket's connection: site A's proxy.
    expect(containers).toContain('https_proxy: http://proxy.site-a.example.org:3128');
  });
});
