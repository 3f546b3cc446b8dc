import { execFileSync } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { filesBelow, makeProject, REPO_ROOT } from '../support/project.js';

/**
 * The generator's output must not depend on where it runs. Node's ICU takes its default locale
 * from LC_ALL/LANG at start, so the CLI runs as a separate process per environment. The
 * project gets file names whose order differs between locales: Swedish sorts "ä" after "z"
 * (English next to "a"), in base-images/ (the builder checksum); Czech sorts "ch" after "h"
 * (English before "d"), in spacktainer/files/ (a container checksum).
 */
const ENVIRONMENTS = [
  { LC_ALL: 'C', TZ: 'UTC' },
  { LC_ALL: 'sv_SE.UTF-8', TZ: 'Pacific/Kiritimati' },
  { LC_ALL: 'cs_CZ.UTF-8', TZ: 'America/St_Johns' },
];

describe('output in every locale and timezone', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeProject({});
    await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(root, 'container_definitions'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'examples'), path.join(root, 'examples'), { recursive: true });
    for (const name of ['z.txt', 'ä.txt', 'B.txt']) await writeFile(path.join(root, 'base-images', 'builder', name), name);
    const copied = ['d.txt', 'ch.txt', 'h.txt'];
    for (const name of copied) await writeFile(path.join(root, 'spacktainer', 'files', name), name);
    const numpy = path.join(root, 'container_definitions', 'amd64', 'numpy.yaml');
    const files = copied.map((name) => `  - ${name}:opt/${name}\n`).join('');
    await writeFile(numpy, `${await readFile(numpy, 'utf8')}spacktainer:\n  files:\n${files}`);
  });

  it('writes the same bytes under C/UTC, sv_SE/Kiritimati and cs_CZ/St_Johns', async () => {
    const runs = [];
    for (const env of ENVIRONMENTS) {
      await rm(path.join(root, 'generated'), { recursive: true, force: true });
      const stdout = execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'spacktainers.js'), 'demo'], {
        cwd: root,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
      runs.push({ stdout, files: await filesBelow(path.join(root, 'generated')) });
    }
    expect(Object.keys(runs[0]!.files).length).toBeGreaterThan(10);
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
  });
});
