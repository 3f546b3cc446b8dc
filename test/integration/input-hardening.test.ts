import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeProject, REPO_ROOT } from '../support/project.js';

const ok = 'spack:\n  specs:\n  - zlib-ng\n';
const MiB = 1024 * 1024;

/** A project with these definitions, changed by `prepare` (links, FIFOs, big files). */
async function project(definitions: Record<string, string>, prepare: (root: string) => Promise<void> = async () => undefined) {
  const root = await makeProject(definitions);
  await prepare(root);
  return root;
}

/** `validate`, then `create-jobs`: both must refuse with `expected` and write nothing. */
async function expectRefused(root: string, expected: string) {
  for (const command of ['validate', 'create-jobs']) {
    const run = await runCli([command], root);
    expect([command, run.code, run.stderr]).toEqual([command, 1, expect.stringContaining(expected)]);
    expect(run.stderr).not.toContain('Error:');
  }
  expect(existsSync(path.join(root, 'generated'))).toBe(false);
}

/** A file outside the project, standing in for /etc/shadow. */
async function outsideFile(content: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'spacktainers-outside-')), 'secret');
  await writeFile(file, content);
  return file;
}

const inDefinitions = (root: string, ...parts: string[]) => path.join(root, 'container_definitions', ...parts);
const inFiles = (root: string, ...parts: string[]) => path.join(root, 'spacktainer', 'files', ...parts);
const copying = (source: string) => `${ok}spacktainer:\n  files:\n  - ${source}:etc/x\n`;
const leaves = (tree: string) => `is a symbolic link that leaves ${tree}/ (only links that stay inside it are followed)`;

describe('definition trees are read as data, never followed out of their tree', () => {
  it('refuses a definition that links to /etc/passwd, and prints none of it', async () => {
    const root = await project({}, async (r) => {
      await mkdir(inDefinitions(r, 'amd64'));
      await symlink('/etc/passwd', inDefinitions(r, 'amd64', 'pw.yaml'));
    });
    await expectRefused(root, `container_definitions/amd64/pw.yaml: ${leaves('container_definitions')}`);
    expect((await runCli(['validate'], root)).stderr).not.toContain('root:');
  });

  it('refuses an architecture folder and a definition folder that link outside', async () => {
    const outside = path.dirname(await outsideFile(''));
    await writeFile(path.join(outside, 'spack.yaml'), ok);
    const root = await project({ 'amd64/a.yaml': ok }, async (r) => {
      await symlink('/', inDefinitions(r, 'arm64'));
      await symlink(outside, inDefinitions(r, 'amd64', 'x'));
    });
    await expectRefused(root, `container_definitions/arm64: ${leaves('container_definitions')}`);
    await expectRefused(root, `container_definitions/amd64/x: ${leaves('container_definitions')}`);
  });

  it('refuses a spacktainer/files source that links outside, or is reached through such a link', async () => {
    const secret = await outsideFile('secret\n');
    const linked = await project({ 'amd64/a.yaml': copying('shadow') }, (r) => symlink(secret, inFiles(r, 'shadow')));
    await expectRefused(linked, `container_definitions/amd64/a.yaml: spacktainer.files.0: source spacktainer/files/shadow ${leaves('spacktainer/files')}`);
    const through = await project({ 'amd64/a.yaml': copying('etc/passwd') }, (r) => symlink('/etc', inFiles(r, 'etc')));
    await expectRefused(through, 'source spacktainer/files/etc/passwd is reached through a symbolic link that leaves spacktainer/files/');
  });

  it('follows links that stay inside their tree', async () => {
    const root = await project({ 'amd64/a.yaml': copying('site.sh') }, async (r) => {
      await mkdir(inDefinitions(r, 'arm64'));
      await symlink('../amd64/a.yaml', inDefinitions(r, 'arm64', 'a.yaml'));
      await symlink('profile.d/spacktainer.sh', inFiles(r, 'site.sh'));
    });
    const run = await runCli(['validate'], root);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toContain('ok  arm64/a');
  });

  it('reports a dangling link as a one-line error, not a stack trace', async () => {
    const root = await project({ 'amd64/a.yaml': ok }, (r) => symlink('nothere.yaml', inDefinitions(r, 'amd64', 'd.yaml')));
    await expectRefused(root, 'container_definitions/amd64/d.yaml: is a symbolic link that leads nowhere');
  });

  it('refuses a FIFO as definition or settings without opening it for a read that blocks', async () => {
    const root = await project({ 'amd64/a.yaml': ok });
    execFileSync('mkfifo', [inDefinitions(root, 'amd64', 'f.yaml')]);
    // A separate process with a timeout: a blocked read would otherwise hang the test worker.
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'spacktainers.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    const definitions = cli(['validate']);
    expect([definitions.status, definitions.stderr]).toEqual([1, 'container_definitions/amd64/f.yaml: is a FIFO, not a regular file\n']);
    execFileSync('mkfifo', [path.join(root, 'fifo-settings.yaml')]);
    const settings = cli(['validate', '--settings', 'fifo-settings.yaml']);
    expect([settings.status, settings.stderr]).toEqual([1, 'fifo-settings.yaml: is a FIFO, not a regular file\n']);
  });

  it('refuses files over the size limit of their kind, naming file and limit', async () => {
    const big = `${ok}# ${'x'.repeat(MiB)}\n`;
    await expectRefused(
      await project({ 'amd64/a.yaml': big }),
      `container_definitions/amd64/a.yaml: is ${big.length} bytes; a definition may be at most 1 MiB (1048576 bytes)`,
    );
    const copied = await project({ 'amd64/a.yaml': copying('big.tar') }, (r) =>
      writeFile(inFiles(r, 'big.tar'), '').then(() => truncate(inFiles(r, 'big.tar'), 64 * MiB + 1)),
    );
    await expectRefused(
      copied,
      `spacktainer.files.0: source spacktainer/files/big.tar is ${64 * MiB + 1} bytes; a spacktainer/files file may be at most 64 MiB`,
    );
    const settings = await project({ 'amd64/a.yaml': ok }, async (r) => appendFileSync(path.join(r, 'settings.yaml'), `# ${'x'.repeat(MiB)}\n`));
    await expectRefused(settings, 'settings.yaml: is ');
    expect((await runCli(['validate'], settings)).stderr).toContain('a settings file may be at most 1 MiB');
  });
});

describe('YAML parsing in linear time, aliases capped', () => {
  it('finds a duplicate key in a definition of 1 MiB, one map of 60,000 keys, in a few seconds', { timeout: 15_000 }, async () => {
    // A guard against quadratic parsing, not a measurement (bench/parse-definitions.ts): uniqueKeys
    // compared every key with every earlier one, about a minute for this file; now about 2 s.
    const keys = Array.from({ length: 58_000 }, (_, i) => `    pkg-${i}: {}\n`).join('');
    const root = await project({ 'amd64/a.yaml': `spack:\n  specs: [zlib]\n  packages:\n${keys}    pkg-7: {}\n` });
    await expectRefused(root, 'container_definitions/amd64/a.yaml:58004:5: spack.packages.pkg-7: duplicate key (first at line 11)');
  });

  it('stops an alias bomb at the alias, with file and line', async () => {
    const level = (name: string, of: string) => `${name}: &${name} [${Array(10).fill(of).join(', ')}]\n`;
    const bomb = `${ok}${level('a', 'x')}${level('b', '*a')}${level('c', '*b')}${level('d', '*c')}${level('e', '*d')}${level('f', '*e')}`;
    await expectRefused(
      await project({ 'amd64/a.yaml': bomb }),
      'container_definitions/amd64/a.yaml:8:36: e.7: aliases expand this file by more than 100000 values',
    );
  });

  it('refuses an alias inside its own anchor (a cycle)', async () => {
    const root = await project({ 'amd64/a.yaml': `spack: &s\n  specs: [zlib]\n  packages:\n    all: *s\n` });
    await expectRefused(root, 'container_definitions/amd64/a.yaml:4:10: spack.packages.all: alias *s is inside its own anchor');
  });
});

describe('error messages quote at most the offending line', () => {
  it('shows only the first line of a file that is not YAML', async () => {
    const passwd = (await readFile('/etc/passwd', 'utf8')).split('\n');
    const root = await project({ 'amd64/pw.yaml': passwd.join('\n') });
    const run = await runCli(['validate'], root);
    expect(run.stderr).toBe(`container_definitions/amd64/pw.yaml:1:1: must be a mapping, got string ${JSON.stringify(passwd[0]!.slice(0, 60))}...\n`);
  });

  it('cuts a long value', async () => {
    const root = await project({ 'amd64/a.yaml': `spack:\n  specs:\n  - zlib;${'x'.repeat(500)}\n` });
    const run = await runCli(['validate'], root);
    expect(run.stderr).toBe(
      `container_definitions/amd64/a.yaml:3:9: spack.specs.0: unexpected tokens in the spec string: ";" at column 5 of "zlib;${'x'.repeat(55)}"... (not part of Spack's spec syntax)\n`,
    );
  });
});
