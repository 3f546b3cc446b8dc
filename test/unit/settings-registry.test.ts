import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../generator/settings/settings.js';
import { REPO_ROOT } from '../support/project.js';

const text = readFileSync(path.join(REPO_ROOT, 'settings.yaml'), 'utf8');
const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;

describe('settings: the repositories spacktainers pushes to', () => {
  it('accepts a registry path and host a registry accepts', () => {
    const settings = parseSettings('s.yaml', text.replace('path: hpc/spacktainers', 'path: hpc-group/spack__tainers/v2.x'), {
      SPACKTAINERS_REGISTRY_HOST: 'registry.example.org:5000',
    });
    expect(settings.registry.path).toBe('hpc-group/spack__tainers/v2.x');
    expect(settings.registry.host).toBe('registry.example.org:5000');
  });

  it.each(['hpc/Spacktainers', 'hpc/tools-', 'hpc/a..b', '/hpc', 'hpc//x'])('rejects the registry path %j with its position', (value) => {
    expect(() => parseSettings('s.yaml', text.replace('path: hpc/spacktainers', `path: ${value}`))).toThrow(
      `s.yaml:${lineOf('path: hpc/spacktainers')}:9: registry.path: ${JSON.stringify(value)} is not a repository path a registry accepts`,
    );
  });

  it('rejects an overriding registry path, naming the variable', () => {
    expect(() => parseSettings('s.yaml', text, { SPACKTAINERS_REGISTRY_PATH: 'hpc/a___b' })).toThrow(
      's.yaml (overridden by $SPACKTAINERS_REGISTRY_PATH): registry.path: "hpc/a___b" is not a repository path a registry accepts',
    );
  });

  it('rejects a host with a scheme, and a base image repository a registry refuses', () => {
    expect(() => parseSettings('s.yaml', text, { SPACKTAINERS_REGISTRY_HOST: 'https://registry.example.org' })).toThrow(
      'registry.host: "https://registry.example.org" is not a registry host',
    );
    expect(() => parseSettings('s.yaml', text.replace('builder: base/builder', 'builder: base/Builder'))).toThrow(
      `s.yaml:${lineOf('builder: base/builder')}:16: architectures.amd64.baseImages.builder: "base/Builder" is not a repository path`,
    );
  });

  it('leaves room in the 255 characters of a repository name for the longest container name', () => {
    const fits = `hpc/${'x'.repeat(255 - 'registry.example.org/hpc/'.length - 1 - 64)}`;
    expect(parseSettings('s.yaml', text.replace('path: hpc/spacktainers', `path: ${fits}`)).registry.path).toBe(fits);
    expect(() => parseSettings('s.yaml', text.replace('path: hpc/spacktainers', `path: ${fits}x`))).toThrow(
      `s.yaml:${lineOf('path: hpc/spacktainers')}:9: registry.path: "registry.example.org/hpc/xxx`,
    );
    expect(() => parseSettings('s.yaml', text, { SPACKTAINERS_DOCKER_HUB_NAMESPACE: 'n'.repeat(200) })).toThrow(
      /dockerHub\.namespace: "docker\.io\/n+"\.\.\. plus a 64-character container name is longer than the 255 characters a registry accepts in a repository name/,
    );
  });
});
