import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { projectJsonSchemas } from '../../generator/definitions/json-schemas.js';
import { parseSpackDefinition } from '../support/definitions.js';
import { SpacktainersError } from '../../generator/errors.js';
import { parseSpec, type ParsedSpec } from '../../generator/spack/spec-syntax.js';
import { REPO_ROOT } from '../support/project.js';

const FIXTURES = path.join(REPO_ROOT, 'fixtures/spack');
const environments = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(path.join(FIXTURES, entry.name)).includes('spack.lock'))
  .map((entry) => entry.name);

function parsed(text: string): ParsedSpec {
  const result = parseSpec(text);
  if ('problem' in result) throw new Error(`${JSON.stringify(text)}: ${result.problem}`);
  return result.spec;
}

interface LockedSpec {
  name: string;
  version: string;
  namespace?: string;
  arch: { platform: string; platform_os: string; target: string | { name: string } };
  compiler: { name: string; version: string };
  parameters: Record<string, unknown>;
}

/** A concrete spec of a spack.lock written as Spack prints it (`Spec.format()`), flags quoted when they hold blanks. */
function printed(spec: LockedSpec): string {
  const booleans = Object.entries(spec.parameters)
    .filter(([, value]) => typeof value === 'boolean')
    .map(([key, value]) => `${value ? '+' : '~'}${key}`)
    .join('');
  const valued = Object.entries(spec.parameters)
    .filter(([, value]) => typeof value !== 'boolean' && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => {
      const text = Array.isArray(value) ? value.map(String).join(key.endsWith('flags') ? ' ' : ',') : String(value);
      return /\s/.test(text) ? `${key}="${text}"` : `${key}=${text}`;
    });
  const target = typeof spec.arch.target === 'string' ? spec.arch.target : spec.arch.target.name;
  return [
    `${spec.namespace ? `${spec.namespace}.` : ''}${spec.name}@=${spec.version}%${spec.compiler.name}@=${spec.compiler.version}${booleans}`,
    ...valued,
    `arch=${spec.arch.platform}-${spec.arch.platform_os}-${target}`,
  ].join(' ');
}

describe("Spack 0.21's spec grammar", () => {
  it.each(environments)('reads every root and concrete spec of fixtures/spack/%s/spack.lock', (environment) => {
    const lock = JSON.parse(readFileSync(path.join(FIXTURES, environment, 'spack.lock'), 'utf8')) as {
      roots: { spec: string }[];
      concrete_specs: Record<string, LockedSpec>;
    };
    for (const { spec } of lock.roots) expect(parsed(spec).root.name).toBeTruthy();
    const concrete = Object.values(lock.concrete_specs);
    expect(concrete.length).toBeGreaterThan(0);
    for (const spec of concrete) {
      const { root } = parsed(printed(spec));
      expect([root.name, root.version, root.compiler?.name, root.architecture.target]).toEqual([
        spec.name,
        `=${spec.version}`,
        spec.compiler.name,
        typeof spec.arch.target === 'string' ? spec.arch.target : spec.arch.target.name,
      ]);
    }
  });

  it('reads the spec in every build job name of the fixture pipelines', () => {
    let jobs = 0;
    for (const environment of environments) {
      const folder = path.join(FIXTURES, environment);
      for (const file of readdirSync(folder).filter((name) => /^pipeline.*\.yml$/.test(name))) {
        const pipeline = parse(readFileSync(path.join(folder, file), 'utf8')) as Record<string, unknown>;
        // Spack names a build job by its spec: `{name}@{version} /{hash:7} %{compiler} arch={arch}`.
        for (const name of Object.keys(pipeline).filter((key) => key.includes(' /'))) {
          const { root } = parsed(name);
          expect(root.hash).toMatch(/^[a-z0-9]{7}$/);
          expect(root.architecture.platform).toBe('linux');
          jobs++;
        }
      }
    }
    expect(jobs).toBeGreaterThan(100);
  });

  it.each([
    ['builtin.zlib', { name: 'zlib', namespace: 'builtin' }],
    ['zlib@1.2:1.4,1.6', { version: '1.2:1.4,1.6' }],
    ['zlib@:3', { version: ':3' }],
    ['zlib@1.2:', { version: '1.2:' }],
    ['zlib@=1.2', { version: '=1.2' }],
    ['zlib@git.main=1.2', { version: 'git.main=1.2' }],
    ['zlib@git.v1.2/fix-x=1.2', { version: 'git.v1.2/fix-x=1.2' }],
    ['zlib@0123456789abcdef0123456789abcdef01234567=1.3', { version: '0123456789abcdef0123456789abcdef01234567=1.3' }],
    ['hdf5 %gcc@12', { compiler: { name: 'gcc', version: '12' } }],
    ['hdf5 % gcc @ 12.2.0:13', { compiler: { name: 'gcc', version: '12.2.0:13' } }],
    ['zlib /abc123', { hash: 'abc123' }],
    ['zlib arch=linux-debian12-x86_64_v3', { architecture: { platform: 'linux', os: 'debian12', target: 'x86_64_v3' } }],
    ['zlib platform=linux os=debian12 target=zen2', { architecture: { platform: 'linux', os: 'debian12', target: 'zen2' } }],
  ])('reads %s', (text, expected) => {
    expect(parsed(text).root).toMatchObject(expected);
  });

  it('reads variants, propagated variants, flags and quoted values', () => {
    expect(parsed('zlib +shared ~pic -opt ++ipo ~~debug --help cflags="-O3 -g" ldflags=\'-s\' api==v18').root.parameters).toMatchObject([
      { name: 'shared', value: true, propagate: false },
      { name: 'pic', value: false, propagate: false },
      { name: 'opt', value: false, propagate: false },
      { name: 'ipo', value: true, propagate: true },
      { name: 'debug', value: false, propagate: true },
      { name: 'help', value: false, propagate: true },
      { name: 'cflags', value: '-O3 -g', propagate: false },
      { name: 'ldflags', value: '-s', propagate: false },
      { name: 'api', value: 'v18', propagate: true },
    ]);
  });

  it('reads dependencies with their edge attributes, and anonymous specs', () => {
    expect(parsed('hdf5 ^[virtuals=mpi] openmpi@4 ^[deptypes=build,link] cmake ^zlib-ng').dependencies).toEqual([
      { virtuals: ['mpi'], deptypes: [], node: expect.objectContaining({ name: 'openmpi', version: '4' }) as unknown },
      { virtuals: [], deptypes: ['build', 'link'], node: expect.objectContaining({ name: 'cmake' }) as unknown },
      { virtuals: [], deptypes: [], node: expect.objectContaining({ name: 'zlib-ng' }) as unknown },
    ]);
    expect(parsed('+mpi %gcc@12').root).toMatchObject({ compiler: { name: 'gcc' } });
    expect(parsed('^mpich').root.name).toBeUndefined();
  });

  // Each case: the spec, the 1-based column of the character or token at fault, a part of the
  // problem. The columns are Spack 0.21's (its caret), except where noted.
  it.each([
    ['zlib@', 5, 'unexpected tokens in the spec string: "@"'],
    ['hdf5+mpi@@1.14', 9, 'expected a version after "@"'],
    ['zlib@=', 5, 'unexpected tokens in the spec string: "@"'],
    ['zlib%gcc@', 9, 'expected a version after "@"'],
    ['zlib@1.2,,1.3', 9, '","'],
    ['zlib@1.2:1.4:', 13, '":"'],
    ['zlib@git.', 9, '"."'],
    ['zlib@git.main=', 14, '"="'],
    ['zlib; rm -rf /', 5, `";" at column 5 of "zlib; rm -rf /" (not part of Spack's spec syntax)`],
    ['zlib && ls', 6, '"&"'],
    ['zlib $(id)', 6, '"$"'],
    ['zlib `id`', 6, '"`"'],
    ['zlib {x}', 6, '"{"'],
    ['zlib*', 5, '"*"'],
    ['zlib +', 6, 'expected a variant name after "+"'],
    ['zlib ~~', 6, 'expected a variant name after "~"'],
    ['zlib %', 6, 'expected a compiler name after "%"'],
    ['zlib %@12', 6, 'expected a compiler name'],
    ['zlib /', 6, 'expected a hash after "/"'],
    ['zlib /ab$c', 9, '"$"'],
    ['zlib /ab.c', 9, '"."'],
    ['zlib@1.2 =1.3', 10, '"="'],
    ['zlib [virtuals=mpi] x', 6, 'edge attributes follow "^" directly'],
    ['zlib ^', 6, 'the dependency sigil and any optional edge attributes must be followed by a package name'],
    ['zlib ^[virtuals=mpi]', 20, 'must be followed by a package name or a node attribute'],
    ['zlib ^[virtuals=] mpi', 8, 'unexpected token in edge attributes: "virtuals"'],
    ['zlib ^[virtuals=mpi openmpi', 21, 'unexpected token in edge attributes: "openmpi"'],
    ['zlib ^[virtuals==mpi] x', 8, 'unexpected token in edge attributes'],
    ['zlib ^[+x] y', 8, 'unexpected token in edge attributes: "+x"'],
    ['zlib ^[foo=bar] x', 8, 'the only edge attributes that are currently accepted are "deptypes" and "virtuals"'],
    // Spack says where only by its exception's name from here on; the column is the token's.
    ['zlib ^[deptypes=compile] x', 8, 'unknown dependency type "compile"'],
    ['hdf5@1.2@1.3', 9, '"hdf5" cannot have multiple versions: "@1.3"'],
    ['hdf5 %gcc %clang', 11, 'cannot have multiple compilers: "%clang"'],
    ['hdf5+mpi~mpi', 9, 'cannot specify variant "mpi" twice'],
    ['zlib target==x86_64', 6, 'the architecture cannot be propagated'],
    ['zlib os=a os=b', 11, 'cannot have two "os" specified'],
    ['zlib arch=linux-debian12-x86_64 target=zen', 33, 'cannot have two "target" specified'],
    ['./zlib.yaml', 1, 'is a spec file'],
    // Spack points at the blank before a second spec; the column here is the spec's first token.
    ['zlib cmake', 6, 'a single spec was requested, but parsed more than one: a second spec starts with "cmake"'],
    ['  a  b', 6, 'a second spec starts with "b" at column 6 of "  a  b"'],
    ['zlib ]', 6, 'a second spec starts with "]"'],
    // Spack reads a key whose value no token matches as a second spec; the column is the character at fault.
    ['zlib cflags="-O3', 13, 'no valid value for "cflags": the quote "\\"" is not closed'],
    ['zlib cflags=', 13, 'nothing after "="'],
    ['zlib cflags="-O3 $HOME"', 18, 'unexpected "$"'],
    ["zlib cflags='a;b'", 15, 'unexpected ";"'],
    ['zlib cflags="-I(x)"', 16, 'unexpected "("'],
  ])('rejects %j at column %i', (text, column, problem) => {
    const result = parseSpec(text);
    expect('problem' in result && { column: result.index + 1, problem: result.problem }).toMatchObject({
      column,
      problem: expect.stringContaining(problem) as unknown,
    });
  });
});

describe('spack.specs as Spack reads an environment', () => {
  const definition = (yaml: string) => parseSpackDefinition('container_definitions/amd64/stack.yaml', yaml, 'stack');
  const problem = (yaml: string) => {
    try {
      definition(yaml);
    } catch (error) {
      return (error as SpacktainersError).message;
    }
    throw new Error('accepted');
  };

  it('accepts matrices, their exclusions and references to definitions lists', () => {
    const accepted = definition(`spack:
  definitions:
  - compilers: ['gcc@12', 'clang@16']
  - mpis: [openmpi, mpich]
    when: arch.satisfies('x86_64:')
  specs:
  - hdf5@1.14 +mpi cflags="-O3 -g" ^[virtuals=mpi] openmpi
  - $mpis
  - matrix:
    - [py-numpy, py-scipy]
    - [$%compilers]
    - ['^[virtuals=blas,lapack] openblas']
    exclude: ['py-scipy%clang']
`);
    expect(accepted.environment.specs[0]).toBe('hdf5@1.14 +mpi cflags="-O3 -g" ^[virtuals=mpi] openmpi');
  });

  it('points at the character at fault in the file, through plain and quoted scalars', () => {
    expect(problem('spack:\n  specs:\n  - hdf5+mpi@@1.14\n')).toMatch(/^container_definitions\/amd64\/stack.yaml:3:13: spack.specs.0: unexpected tokens/);
    expect(problem('spack:\n  specs:\n  - "hdf5+mpi@@1.14"\n')).toMatch(/:3:14: spack.specs.0: /);
    expect(problem("spack:\n  specs: ['zlib', 'hdf5 ^[virtuals=] mpi']\n")).toMatch(/:2:27: spack.specs.1: unexpected token in edge attributes/);
    // An escape before the character: the file's column is not the spec's, so the value's start, and the message says the column.
    expect(problem('spack:\n  specs:\n  - "z\\u006Cib@@1"\n')).toMatch(
      /:3:5: spack.specs.0: unexpected tokens in the spec string: "@" at column 5 of "zlib@@1"/,
    );
    expect(problem('spack:\n  specs:\n  - zlib\n  - matrix:\n    - [zlib, "hdf5 %"]\n')).toMatch(/:5:20: spack.specs.1.matrix.0.1: .*expected a compiler name/);
  });

  it('needs the first spec to name a package, as it names the container version', () => {
    expect(problem('spack:\n  specs:\n  - matrix: [[zlib]]\n')).toMatch(/:3:5: spack.specs.0: the first spec names the container version/);
    expect(problem('spack:\n  definitions: [{all: [zlib]}]\n  specs: [$all]\n')).toMatch(/:3:11: spack.specs.0: .*not the reference "\$all"/);
    expect(problem('spack:\n  specs: [zlib, "+mpi"]\n')).toMatch(/:2:18: spack.specs.1: "\+mpi" names no package/);
  });

  it('warns of a variant spelled as a command-line option, which Spack reads as a propagated variant', () => {
    expect(definition('spack:\n  specs:\n  - zlib --help\n').warnings).toEqual([
      'container_definitions/amd64/stack.yaml:3:10: spack.specs.0: "--help" reads as the propagated variant "~~help" (help=false for "zlib" and its dependencies), not as an option; write ~~help if that is meant',
    ]);
    expect(definition('spack:\n  specs:\n  - zlib ~~help -- shared\n').warnings).toHaveLength(1);
  });

  it('refuses a sigil that makes the specs of the list it refers to unreadable', () => {
    expect(problem("spack:\n  definitions: [{compilers: ['%gcc@12']}]\n  specs: [zlib, $%compilers]\n")).toMatch(
      /:3:17: spack.specs.1: "\$%compilers" puts "%" before "%gcc@12", which makes a spec Spack cannot read: unexpected tokens in the spec string: "%" at column 1 of "%%gcc@12"/,
    );
  });

  it('refuses references to lists that are not defined and matrices of something else', () => {
    expect(problem('spack:\n  specs: [zlib, $compilers]\n')).toMatch(
      /:2:17: spack.specs.1: "\$compilers" refers to the list "compilers", which spack.definitions does not define/,
    );
    expect(problem('spack:\n  specs:\n  - zlib\n  - matrix: [[zlib]]\n    sigil: "%"\n')).toMatch(/:5:12: spack.specs.1.sigil: unknown key in a spec matrix/);
  });
});

describe('the editor schema of spack.specs', () => {
  const definition = new Ajv({ strict: false }).compile(JSON.parse(projectJsonSchemas()[0]!.text) as object);

  it('accepts what the grammar accepts: quoted flags, edge attributes, references and matrices', () => {
    const specs = [
      'hdf5 cflags="-O3 -g" ^[virtuals=mpi] openmpi',
      "zlib ldflags='-s'",
      '$mpis',
      { matrix: [['py-numpy'], ['%gcc@12']], exclude: ['py-numpy%gcc'] },
    ];
    expect(definition({ spack: { specs } })).toBe(true);
  });

  it('refuses characters no spec token holds, and matrices with keys Spack does not know', () => {
    expect(definition({ spack: { specs: ['zlib; id'] } })).toBe(false);
    expect(definition({ spack: { specs: ['zlib $(id)'] } })).toBe(false);
    expect(definition({ spack: { specs: [{ matrix: [['zlib']], sigil: '%' }] } })).toBe(false);
  });
});
