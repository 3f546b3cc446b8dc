import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpackDefinition } from '../support/definitions.js';
import { SpacktainersError } from '../../generator/errors.js';
import { YamlSource } from '../../generator/input/yaml-source.js';
import { ignoredSpackKeys, spackEnvironmentProblems } from '../../generator/spack/environment-schema.js';
import { REPO_ROOT } from '../support/project.js';

const SPACK_FIXTURES = path.join(REPO_ROOT, 'fixtures/spack');

/** The problems of a definition's text, one message each, or none. */
function problems(text: string): string[] {
  try {
    parseSpackDefinition('d.yaml', text, 'd');
    return [];
  } catch (error) {
    if (!(error instanceof SpacktainersError)) throw error;
    return error.problems.map((problem) => problem.message);
  }
}

describe("Spack's environment schema", () => {
  it.each(readdirSync(SPACK_FIXTURES).filter((folder) => existsSync(path.join(SPACK_FIXTURES, folder, 'spack.yaml'))))(
    'accepts the environment Spack itself ran in fixtures/spack/%s',
    (folder) => {
      const file = path.join(SPACK_FIXTURES, folder, 'spack.yaml');
      const source = YamlSource.parse(file, readFileSync(file, 'utf8'));
      const { spack } = source.toJS() as { spack: unknown };
      expect(spackEnvironmentProblems(source, spack, ['spack'])).toEqual([]);
      expect(ignoredSpackKeys(spack)).toEqual([]);
    },
  );

  it.each(
    ['container_definitions', 'test/e2e/project/container_definitions'].flatMap((folder) =>
      readdirSync(path.join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.yaml'))
        .map((file) => path.join(folder, file)),
    ),
  )('accepts the bundled definition %s', (file) => {
    expect(problems(readFileSync(path.join(REPO_ROOT, file), 'utf8'))).toEqual([]);
  });

  it('reports every mistake together, each where it is, with the key Spack meant', () => {
    expect(problems('spack:\n  specs: [zlib]\n  packges: {}\n  concretizer:\n    unfiy: true\n  view: 3\n')).toEqual([
      'd.yaml:3:3: spack.packges: unknown key to Spack; did you mean packages?',
      'd.yaml:5:5: spack.concretizer.unfiy: unknown key to Spack; did you mean unify?',
      'd.yaml:6:9: spack.view: must be true or false, a string or a mapping, got number 3',
    ]);
  });

  it('reports of the alternatives a value may take the one it came closest to', () => {
    // A view is true/false, a path, or a mapping of named views: this one is a mapping.
    expect(problems('spack:\n  specs: [zlib]\n  view:\n    default:\n      rot: /x\n')).toEqual([
      'd.yaml:5:7: spack.view.default.root: is required by Spack',
      'd.yaml:5:7: spack.view.default.rot: unknown key to Spack; did you mean root?',
    ]);
    // A pipeline-gen entry is one of several one-key sections: the hint looks at all of them.
    expect(problems('spack:\n  specs: [zlib]\n  ci:\n    pipeline-gen:\n    - build-jobb: {tags: [a]}\n')).toEqual([
      'd.yaml:5:7: spack.ci.pipeline-gen.0.build-jobb: unknown key to Spack; did you mean build-job?',
    ]);
    expect(problems('spack:\n  specs: [zlib]\n  concretizer: {unify: maybe}\n')).toEqual([
      'd.yaml:3:24: spack.concretizer.unify: must be true or false or "when_possible", got string "maybe"',
    ]);
  });

  it("reads a key written `key::` (Spack's replace, not merge) as Spack does, and names it as written", () => {
    expect(problems('spack:\n  specs: [zlib]\n  packages::\n    all:\n      target: [x86_64_v3]\n')).toEqual([]);
    expect(problems('spack:\n  specs: [zlib]\n  packges::\n    all: {}\n')).toEqual([
      'd.yaml:3:3: spack.packges:: unknown key to Spack; did you mean packages?',
    ]);
    expect(problems('spack:\n  specs: [zlib]\n  concretizer::\n    unify: maybe\n')).toEqual([
      'd.yaml:4:12: spack.concretizer:.unify: must be true or false or "when_possible", got string "maybe"',
    ]);
  });

  it('warns of a key Spack accepts unread that is spelt almost like one it reads', () => {
    const definition = parseSpackDefinition('d.yaml', 'spack:\n  specs: [zlib]\n  config:\n    install_tre: {root: /opt}\n    build_jobs: 4\n', 'd');
    expect(definition.warnings).toEqual(['d.yaml:4:5: spack.config.install_tre: Spack ignores this key; did you mean install_tree?']);
    const scriptOverride = 'spack:\n  specs: [zlib]\n  ci:\n    pipeline-gen:\n    - any-job:\n        before_script:: [echo]\n';
    expect(parseSpackDefinition('d.yaml', scriptOverride, 'd').warnings).toEqual([]);
  });

  it('leaves to our own checks what they say already, in spacktainers terms', () => {
    expect(problems('spack:\n  specs: {a: 1}\n')).toEqual(['d.yaml:2:10: spack.specs: must be a list, got a mapping']);
    expect(problems('spack:\n  view: true\n')).toEqual(['d.yaml:2:3: spack.specs: is required']);
  });

  it('points a key written outside spack: to where it belongs', () => {
    expect(problems('spec:\n- zlib\n')[0]).toBe('d.yaml:1:1: spec: unknown key (allowed here: spack, spacktainer); did you mean spack.specs?');
    expect(problems('spack:\n  specs: [zlib]\nconcretizer: {unify: true}\n')[0]).toBe(
      'd.yaml:3:1: concretizer: unknown key (allowed here: spack, spacktainer); did you mean spack.concretizer?',
    );
  });
});
