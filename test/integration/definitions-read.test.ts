import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDefinitions } from '../../generator/app/project.js';
import { runCli } from '../support/cli.js';
import { BUNDLED_ARCHITECTURES, makeProject, REPO_ROOT } from '../support/project.js';

const ok = 'spack:\n  specs:\n  - zlib-ng\n';

/** Validate a project with these definitions; return the CLI's exit code and stderr. */
async function validate(definitions: Record<string, string>) {
  const root = await makeProject(definitions);
  const run = await runCli(['validate'], root);
  return { ...run, root };
}

describe('bundled definitions', () => {
  it('reads every switched-on example of both architectures', async () => {
    const set = await loadDefinitions(path.join(REPO_ROOT, 'container_definitions'), REPO_ROOT, BUNDLED_ARCHITECTURES);
    expect(set.definitions.map((d) => `${d.arch}/${d.name}:${d.kind}`)).toEqual([
      'amd64/build-tools:spack',
      'amd64/hdf5-mpi:spack',
      'amd64/numpy:spack',
      'amd64/ubuntu-tools:custom',
      'arm64/numpy:spack',
    ]);
    expect(set.switchedOff).toEqual(['container_definitions/amd64/_paraview.yaml']);
    const tools = set.definitions.find((d) => d.name === 'build-tools');
    expect(tools?.kind === 'spack' && tools.files).toEqual([{ source: 'profile.d/spacktainer.sh', target: 'etc/profile.d/spacktainer.sh' }]);
    const custom = set.definitions.find((d) => d.kind === 'custom');
    expect(custom?.kind === 'custom' && [custom.fromImage, custom.fromTag]).toEqual(['docker.io/library/ubuntu', '24.04']);
  });

  it('keeps Spack keys it does not know and switches off folders starting with _', async () => {
    const set = await loadDefinitions(
      path.join(
        await makeProject({
          'amd64/x.yaml': 'spack:\n  specs: [zlib-ng]\n  concretizer:\n    unify: when_possible\n',
          '_arm64/y.yaml': 'not: checked\n',
        }),
        'container_definitions',
      ),
      REPO_ROOT,
      BUNDLED_ARCHITECTURES,
    );
    const x = set.definitions[0];
    expect(x?.kind === 'spack' && x.environment.concretizer).toEqual({ unify: 'when_possible' });
    expect(set.definitions).toHaveLength(1);
  });
});

describe('bad definitions: a clear error naming file, line, column and key; exit 1; nothing written', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['malformed YAML', { 'amd64/a.yaml': 'spack:\n  specs: [zlib\n' }, 'container_definitions/amd64/a.yaml:3:1: malformed YAML'],
    [
      'unknown top-level key',
      { 'amd64/a.yaml': `${ok}spacktainers:\n  files: []\n` },
      'container_definitions/amd64/a.yaml:4:1: spacktainers: unknown key (allowed here: spack, spacktainer)',
    ],
    [
      'unknown key under spacktainer',
      { 'amd64/a.yaml': `${ok}spacktainer:\n  file: []\n` },
      'container_definitions/amd64/a.yaml:5:3: spacktainer.file: unknown key (allowed here: files)',
    ],
    ['empty specs', { 'amd64/a.yaml': 'spack:\n  specs: []\n' }, 'container_definitions/amd64/a.yaml:2:10: spack.specs: must not be empty'],
    ['missing specs', { 'amd64/a.yaml': 'spack:\n  view: false\n' }, 'container_definitions/amd64/a.yaml:2:3: spack.specs: is required'],
    [
      'shell metacharacters in a spec',
      { 'amd64/a.yaml': 'spack:\n  specs:\n  - zlib; rm -rf /\n' },
      'container_definitions/amd64/a.yaml:3:9: spack.specs.0: unexpected tokens in the spec string: ";" at column 5 of "zlib; rm -rf /"',
    ],
    [
      'command substitution in a spec',
      { 'amd64/a.yaml': 'spack:\n  specs:\n  - zlib-ng\n  - "$(id)"\n' },
      'container_definitions/amd64/a.yaml:4:6: spack.specs.1: "$(id)" refers to the list "(id)", which spack.definitions does not define',
    ],
    [
      'a files source escaping spacktainer/files/',
      { 'amd64/a.yaml': `${ok}spacktainer:\n  files:\n  - ../../etc/passwd:etc/passwd\n` },
      'container_definitions/amd64/a.yaml:6:5: spacktainer.files.0: source "../../etc/passwd" escapes spacktainer/files/',
    ],
    [
      'an absolute files target',
      { 'amd64/a.yaml': `${ok}spacktainer:\n  files:\n  - profile.d/spacktainer.sh:/etc/x\n` },
      'spacktainer.files.0: target "/etc/x" is absolute; write it relative to the image root',
    ],
    [
      'a files target escaping the image root',
      { 'amd64/a.yaml': `${ok}spacktainer:\n  files:\n  - profile.d/spacktainer.sh:opt/../../x\n` },
      'spacktainer.files.0: target "opt/../../x" escapes the image root',
    ],
    [
      'a files entry without target',
      { 'amd64/a.yaml': `${ok}spacktainer:\n  files:\n  - profile.d/spacktainer.sh\n` },
      'spacktainer.files.0: "profile.d/spacktainer.sh" is not of the form "source:target"',
    ],
    [
      'a files source that does not exist',
      { 'amd64/a.yaml': `${ok}spacktainer:\n  files:\n  - nothere.sh:etc/x\n` },
      'container_definitions/amd64/a.yaml: spacktainer.files.0: source spacktainer/files/nothere.sh does not exist',
    ],
    ['shell metacharacters in a name', { 'amd64/a$(id).yaml': ok }, 'container_definitions/amd64/a$(id).yaml:1:1: name: "a$(id)" is not a container name'],
    ['an uppercase name', { 'amd64/MyTools.yaml': ok }, '"MyTools" is not a container name'],
    [
      'the same name twice in one arch',
      { 'amd64/x.yaml': ok, 'amd64/x.def': 'Bootstrap: docker\nFrom: ubuntu:24.04\n' },
      'container_definitions/amd64/x.yaml: name: container "x" is already defined for amd64 by container_definitions/amd64/x.def',
    ],
    ['the same name as file and folder', { 'amd64/x.yaml': ok, 'amd64/x/spack.yaml': ok }, 'container "x" is already defined for amd64'],
    [
      'a .def without From',
      { 'amd64/d.def': 'Bootstrap: docker\n%post\n  true\n' },
      'container_definitions/amd64/d.def:1:1: From: missing "From: image:tag" header',
    ],
    [
      'a .def From without tag',
      { 'amd64/d.def': 'Bootstrap: docker\nFrom: ubuntu\n' },
      'container_definitions/amd64/d.def:2:7: From: "ubuntu" is not an image reference with a tag',
    ],
    [
      'a .def From with shell syntax',
      { 'amd64/d.def': 'Bootstrap: docker\nFrom: ubuntu:24.04;id\n' },
      'From: "ubuntu:24.04;id" is not an image reference with a tag',
    ],
    [
      'an unknown architecture',
      { 'x86/a.yaml': ok },
      'container_definitions/x86: not an architecture of the settings (amd64, arm64): add it under `architectures:`, or switch the folder off with a leading _',
    ],
    ['a stray file', { 'amd64/a.yml.bak': ok }, 'container_definitions/amd64/a.yml.bak: not a definition'],
    ['a folder without spack.yaml', { 'amd64/x/README.txt': 'hi' }, 'container_definitions/amd64/x: a definition folder must hold spack.yaml'],
    ['a YAML document that is a list', { 'amd64/a.yaml': '- spack\n' }, 'container_definitions/amd64/a.yaml:1:1: must be a mapping, got a list'],
    [
      'a ci pipeline-gen that is not a list',
      { 'amd64/a.yaml': `${ok}  ci:\n    pipeline-gen:\n      build-job: {}\n` },
      'container_definitions/amd64/a.yaml:6:7: spack.ci.pipeline-gen: must be a list, got a mapping',
    ],
    ['duplicate keys', { 'amd64/a.yaml': `${ok}spack:\n  specs: [x]\n` }, 'container_definitions/amd64/a.yaml:4:1: spack: duplicate key (first at line 1)'],
  ];

  it.each(cases)('%s', async (_title, definitions, expected) => {
    const { code, stderr, stdout, root } = await validate(definitions);
    expect(code).toBe(1);
    expect(stderr).toContain(expected);
    expect(stdout).toBe('');
    const run = await runCli(['create-jobs'], root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(expected);
    expect(existsSync(path.join(root, 'generated'))).toBe(false);
  });

  it('reports every problem of every file at once', async () => {
    const { code, stderr } = await validate({
      'amd64/a.yaml': 'spack:\n  specs: []\n',
      'arm64/b.yaml': 'spack:\n  specs: [ok]\nextra: 1\n',
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(2);
  });
});

/** A definition with its own `ci:` section: some keys ours override, the rest kept. */
const OWN_CI = `spack:
  specs: [zlib-ng]
  ci:
    rebuild-index: false
    broken-specs-url: https://broken.example.org
    pipeline-gen:
    - build-job:
        tags: [big-memory]
        before_script: [echo ready]
        script:: [make]
    - submapping:
      - match: [zlib-ng]
        build-job:
          image: other/image
          variables: {FAST: "1"}
    - noop-job:
        script:: [echo nothing]
`;

describe("a definition's own ci: section", () => {
  it('validates with a warning per overridden key, naming file, line, column and key (exit 0)', async () => {
    const { code, stderr, stdout } = await validate({ 'amd64/app.yaml': OWN_CI });
    expect(code).toBe(0);
    expect(stdout).toContain('ok  amd64/app');
    const file = 'container_definitions/amd64/app.yaml';
    expect(stderr.trim().split('\n')).toEqual([
      `warning: ${file}:4:5: spack.ci.rebuild-index: overridden: spacktainers always rebuilds the build-cache index (rebuild-index: true)`,
      `warning: ${file}:8:9: spack.ci.pipeline-gen.0.build-job.tags: overridden: spacktainers sets the tags of these jobs (settings and builder image)`,
      `warning: ${file}:10:9: spack.ci.pipeline-gen.0.build-job.script:: overridden: spacktainers sets the script of these jobs (settings and builder image)`,
      `warning: ${file}:14:11: spack.ci.pipeline-gen.1.submapping.0.build-job.image: overridden: spacktainers sets the image of these jobs (settings and builder image)`,
    ]);
  });

  it("is merged into the generated environment: the user's keys and sections kept, after ours", async () => {
    const root = await makeProject({ 'amd64/app.yaml': OWN_CI });
    expect((await runCli(['create-jobs', '--offline'], root)).code).toBe(0);
    const ci = parse(readFileSync(path.join(root, 'generated/amd64/environments/app/spack.yaml'), 'utf8')).spack.ci;
    expect(ci['rebuild-index']).toBe(true);
    expect(ci['broken-specs-url']).toBe('https://broken.example.org');
    const sections = ci['pipeline-gen'] as Record<string, Record<string, unknown>>[];
    // Spack 0.21 merges pipeline-gen bottom up (an earlier section wins) and `key::` replaces:
    // ours come first and own the runners, image, script and timeout.
    expect(sections.map((section) => Object.keys(section)[0])).toEqual(['build-job', 'noop-job', 'reindex-job', 'build-job', 'submapping', 'noop-job']);
    expect(Object.keys(sections[0]!['build-job']!)).toEqual(['tags::', 'image::', 'script::', 'timeout::']);
    expect(sections[1]).toEqual({ 'noop-job': { 'tags::': ['docker', 'amd64'] } });
    expect(sections.slice(3)).toEqual(parse(OWN_CI).spack.ci['pipeline-gen']);
  });

  it.skipIf(!process.env.SPACK_ROOT)("gives the jobs ours where ours must win, the user's elsewhere, in Spack 0.21's own merge", async () => {
    const root = await makeProject({ 'amd64/app.yaml': OWN_CI });
    expect((await runCli(['create-jobs', '--offline'], root)).code).toBe(0);
    const out = execFileSync(
      path.join(process.env.SPACK_ROOT!, 'bin/spack'),
      ['python', path.join(REPO_ROOT, 'test/support/spack-pipeline-gen.py'), path.join(root, 'generated/amd64/environments/app/spack.yaml')],
      { encoding: 'utf8' },
    );
    const jobs = JSON.parse(out) as Record<string, Record<string, unknown>>;
    const builder = 'registry.example.org/hpc/spacktainers/base/builder:latest-amd64';
    expect(jobs['zlib-ng']).toEqual({
      tags: ['docker', 'amd64'],
      image: { name: builder, entrypoint: [''] },
      script: ['cd "${SPACK_CONCRETE_ENV_DIR}"', 'eval "$(spack env activate --sh --without-view .)"', 'spack ci rebuild'],
      timeout: '6h',
      before_script: ['echo ready'],
      variables: { FAST: '1' },
    });
    expect(jobs.noop).toEqual({ tags: ['docker', 'amd64'], script: ['echo nothing'] });
    expect(jobs.reindex).toMatchObject({ tags: ['docker', 'amd64'], image: { name: builder, entrypoint: [''] } });
  });
});
