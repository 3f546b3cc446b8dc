import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPackageVersion } from '../../generator/io/fs/package-files.js';
import { generatorImage } from '../../generator/settings/generator-image.js';
import { REPO_ROOT } from '../support/project.js';

describe('the generator image of the settings', () => {
  it("is tagged with the generator's version when it names no tag or digest", () => {
    expect(generatorImage('registry.example.org/hpc/spacktainers/generator', '1.2.3')).toBe('registry.example.org/hpc/spacktainers/generator:1.2.3');
    // A registry's port is not a tag.
    expect(generatorImage('registry.example.org:5000/generator', '1.2.3')).toBe('registry.example.org:5000/generator:1.2.3');
    expect(generatorImage('registry.example.org:5000/generator:edge', '1.2.3')).toBe('registry.example.org:5000/generator:edge');
    const digest = `registry.example.org/generator@sha256:${'a'.repeat(64)}`;
    expect(generatorImage(digest, '1.2.3')).toBe(digest);
  });

  it('takes the version from package.json, the one place it is written', async () => {
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(readPackageVersion()).toBe(manifest.version);
  });
});
