import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpacktainersError } from '../../generator/errors.js';
import { parseDefinition } from '../../generator/definitions/parse.js';
import { containerName, repositoryPath } from '../../generator/definitions/syntax.js';

const ROOT = path.join(import.meta.dirname, '../..');
const spack = 'spack:\n  specs:\n  - zlib\n';

/** The problems `parse` reports, one line each; none when it parses. */
function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
    return [];
  } catch (error) {
    if (error instanceof SpacktainersError) return error.problems.map((problem) => problem.message);
    throw error;
  }
}

describe('container names: a path component of an image repository', () => {
  it.each(['numpy', 'py-numpy', 'a.b', 'a_b', 'a__b', 'a---b', 'x1', '7zip', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(problemsOf(() => parseDefinition({ kind: 'spack', file: `container_definitions/amd64/${name}.yaml`, text: spack, name, arch: 'amd64' }))).toEqual(
      [],
    );
  });

  it.each(['tool-', '-tool', '.tool', 'a..b', 'a___b', 'a_-b', 'a-_b', 'a._b', 'A', 'é', 'a b', 'a/b', 'a$(id)', ''])('rejects %j, saying the rule', (name) => {
    expect(problemsOf(() => parseDefinition({ kind: 'spack', file: `container_definitions/amd64/${name}.yaml`, text: spack, name, arch: 'amd64' }))).toEqual([
      `container_definitions/amd64/${name}.yaml:1:1: name: ${JSON.stringify(name)} is not a container name a registry accepts: lowercase letters and digits, separated by one ".", one or two "_", or any number of "-"; it must start and end with a letter or digit`,
    ]);
  });

  it('rejects a name longer than 64 characters', () => {
    const name = 'x'.repeat(65);
    expect(problemsOf(() => parseDefinition({ kind: 'spack', file: 'n.yaml', text: spack, name, arch: 'amd64' }))).toEqual([
      `n.yaml:1:1: name: "${'x'.repeat(60)}"... is longer than the 64 characters a container name may have`,
    ]);
  });

  it('is the same grammar a repository path has between its slashes', () => {
    for (const name of ['numpy', 'a__b', 'a---b']) expect(repositoryPath.pattern!.test(`hpc/${name}/x`)).toBe(true);
    for (const name of ['tool-', 'a..b', 'a___b']) {
      expect(containerName.pattern!.test(name)).toBe(false);
      expect(repositoryPath.pattern!.test(`hpc/${name}`)).toBe(false);
    }
    for (const path of ['/hpc', 'hpc/', 'hpc//x']) expect(repositoryPath.pattern!.test(path)).toBe(false);
  });
});

describe('.def headers, read as Singularity reads them', () => {
  const parse = (text: string) => parseDefinition({ kind: 'custom', file: 'd.def', text, name: 'd', arch: 'amd64' });

  it.each([
    ['keys in any case', 'bootstrap: docker\nfrom: ubuntu:24.04\n'],
    ['upper case keys', 'BOOTSTRAP: docker\nFROM: ubuntu:24.04\n'],
    ['comments, blank lines and a comment after a value', '# a tool\n\nBootstrap: docker # the registry\n  \nFrom: ubuntu:24.04   # pinned\n'],
    ['other header keywords', 'Bootstrap: docker\nFrom: ubuntu:24.04\nStage: final\nOtherURL1: http://example.org\n'],
    ['From: as words in %help', 'Bootstrap: docker\nFrom: ubuntu:24.04\n%help\nFrom: the HPC team\n'],
    ['sections using the word from', 'Bootstrap: docker\nFrom: ubuntu:24.04\n%post\n  echo from: here\n%runscript\n  exec "$@"\n'],
    ['CRLF line ends', 'Bootstrap: docker\r\nFrom: ubuntu:24.04\r\n%post\r\n  true\r\n'],
  ])('accepts %s', (_, text) => {
    expect(problemsOf(() => parse(text))).toEqual([]);
  });

  it('keeps the bundled and end-to-end definitions valid', () => {
    for (const file of ['container_definitions/amd64/ubuntu-tools.def', 'test/e2e/project/container_definitions/amd64/debian-tools.def']) {
      const definition = parseDefinition({
        kind: 'custom',
        file,
        text: readFileSync(path.join(ROOT, file), 'utf8'),
        name: path.basename(file, '.def'),
        arch: 'amd64',
      });
      expect(definition.kind === 'custom' && definition.fromTag).toMatch(/^(24\.04|bookworm)$/);
    }
  });

  it.each([
    ['ubuntu:24.04', 'ubuntu', '24.04'],
    ['docker.io/library/ubuntu:24.04', 'docker.io/library/ubuntu', '24.04'],
    ['localhost:5000/hpc/a__b:1.0', 'localhost:5000/hpc/a__b', '1.0'],
    ['Registry.Example.org/hpc/tools---x/y.z:v1_2-rc', 'Registry.Example.org/hpc/tools---x/y.z', 'v1_2-rc'],
  ])('reads From: %s as Docker reads a reference', (reference, image, tag) => {
    expect(parse(`Bootstrap: docker\nFrom: ${reference}\n`)).toMatchObject({ fromImage: image, fromTag: tag });
  });

  it.each(['ubuntu', 'ubuntu:', 'hpc/a..b:1', 'hpc/tools-:1', 'hpc/Tools:1', 'ubuntu@sha256:abc', 'ubuntu:24.04;id', ':1', 'host:5000/:1'])(
    'rejects From: %s',
    (reference) => {
      expect(problemsOf(() => parse(`Bootstrap: docker\nFrom: ${reference}\n`))[0]).toContain(
        `From: ${JSON.stringify(reference)} is not an image reference with a tag`,
      );
    },
  );

  it('reads the image and tag of From:', () => {
    expect(parse('from:   docker.io/library/ubuntu:24.04  \nBootstrap: docker\n')).toMatchObject({ fromImage: 'docker.io/library/ubuntu', fromTag: '24.04' });
  });

  it.each([
    ['From: in %post', 'Bootstrap: docker\n%post\n  From: ubuntu:24.04\n', 'd.def:3:3: From: is in %post: header keys come before the first %section'],
    ['a second From:', 'Bootstrap: docker\nFrom: ubuntu:24.04\nfrom: debian:12\n', 'd.def:3:1: from: a second from header: the first is on line 2'],
    [
      'a second Bootstrap:',
      'Bootstrap: docker\nBootstrap: docker\nFrom: ubuntu:24.04\n',
      'd.def:2:1: Bootstrap: a second Bootstrap header: the first is on line 1',
    ],
    ['no Bootstrap:', 'From: ubuntu:24.04\n', 'd.def:1:1: Bootstrap: missing "Bootstrap: docker" header'],
    ['no From:', 'Bootstrap: docker\n', 'd.def:1:1: From: missing "From: image:tag" header'],
    ['Bootstrap: library', 'Bootstrap: library\nFrom: ubuntu:22.04\n', 'd.def:1:12: Bootstrap: "library" is not a bootstrap agent spacktainers builds from'],
    ['Bootstrap: docker-daemon', 'Bootstrap:docker-daemon\nFrom: ubuntu:22.04\n', 'd.def:1:11: Bootstrap: "docker-daemon" is not a bootstrap agent'],
    [
      'Bootstrap: after a section',
      '%post\n  true\nBootstrap: docker\nFrom: ubuntu:24.04\n',
      'd.def:3:1: Bootstrap: is in %post: header keys come before the first %section',
    ],
    [
      'an unknown keyword',
      'Bootstrap: docker\nFrom: ubuntu:24.04\nMaintainer: me\n',
      'd.def:3:1: Maintainer: "Maintainer" is not a header keyword Singularity knows',
    ],
    ['a line without a colon', 'Bootstrap: docker\nFrom ubuntu:24.04\n', 'd.def:2:1: "From ubuntu:24.04" is not a "Key: value" header line'],
    ['a From: without tag', 'Bootstrap: docker\nFrom:   ubuntu\n', 'd.def:2:9: From: "ubuntu" is not an image reference with a tag'],
  ])('rejects %s, saying where', (_, text, message) => {
    const problems = problemsOf(() => parse(text));
    expect(problems[0]).toContain(message);
    expect(problems[0]!.startsWith(message.slice(0, message.indexOf(': ') + 2))).toBe(true);
  });
});
