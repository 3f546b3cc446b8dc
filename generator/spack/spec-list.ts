import { describeValue, isPlainObject } from '../input/shape.js';
import { quoteValue } from '../input/quote.js';
import { parseSpec, type ParsedSpec } from './spec-syntax.js';

/**
 * The `specs:` of a Spack 0.21 environment as Spack reads them (`spack/spec_list.py` and the
 * `spec_list_schema`): each entry is a spec string, a reference `$name` (or `$^name`, `$%name`)
 * to a list under `definitions:`, or a matrix `{matrix: [[...], ...], exclude: [...]}` whose rows
 * Spack multiplies into specs. Every string that is a spec is parsed with Spack's grammar.
 */

/** A problem in a spec list: at `path` below `spack`, `index` characters into the string when it is about one. */
export interface SpecListProblem {
  path: (string | number)[];
  index?: number;
  problem: string;
  /** Valid Spack, but most likely not what was meant: reported, not refused. */
  warning?: true;
}

/** `$name`, `$^name`, `$%name`: the sigil applies to each spec of the list named. */
const REFERENCE = /^\$([\^%]?)(.*)$/;

/**
 * Problems in `spack.specs` and the lists of `spack.definitions` (the shape has checked that
 * `specs` is a non-empty list). The first spec names the container's version (its concretized
 * root in spack.lock), so it must be a spec string with a package name.
 */
export function specListProblems(spack: Record<string, unknown>): SpecListProblem[] {
  const definitions = definedLists(spack.definitions);
  const problems: SpecListProblem[] = [];
  const specs = Array.isArray(spack.specs) ? (spack.specs as unknown[]) : [];
  specs.forEach((entry, index) => {
    problems.push(...entryProblems(entry, ['specs', index], definitions.names, index === 0 ? 'version' : 'root'));
  });
  for (const { path, list } of definitions.lists) {
    list.forEach((entry, index) => problems.push(...entryProblems(entry, [...path, index], definitions.names, 'constraint')));
  }
  return problems;
}

/**
 * What a string stands for where it is: `version`, the first of `specs:`, which names the
 * container's version; `root`, another entry of `specs:`, which Spack installs and so must name
 * a package; `constraint`, a matrix row or a list under `definitions:`, which may be anonymous
 * (`%gcc@12`, `+mpi`) because Spack joins it with others.
 */
type SpecRole = 'version' | 'root' | 'constraint';

function entryProblems(entry: unknown, path: (string | number)[], lists: DefinedLists, role: SpecRole): SpecListProblem[] {
  if (typeof entry === 'string') return stringProblems(entry, path, lists, role);
  if (role === 'version') {
    return [{ path, problem: 'the first spec names the container version, so it must be a spec string with a package name, not a matrix or a list' }];
  }
  if (!isPlainObject(entry)) return [{ path, problem: `must be a spec string or a matrix, got ${describeValue(entry, quoteValue)}` }];
  const problems: SpecListProblem[] = Object.keys(entry)
    .filter((key) => key !== 'matrix' && key !== 'exclude')
    .map((key) => ({ path: [...path, key], problem: 'unknown key in a spec matrix (allowed here: matrix, exclude)' }));
  if (!Array.isArray(entry.matrix)) problems.push({ path: [...path, 'matrix'], problem: 'a spec matrix needs "matrix:", a list of lists of specs' });
  else {
    entry.matrix.forEach((row: unknown, rowIndex) => {
      problems.push(...stringListProblems(row, [...path, 'matrix', rowIndex], lists));
    });
  }
  if (entry.exclude !== undefined) problems.push(...stringListProblems(entry.exclude, [...path, 'exclude'], lists));
  return problems;
}

function stringListProblems(list: unknown, path: (string | number)[], lists: DefinedLists): SpecListProblem[] {
  if (!Array.isArray(list)) return [{ path, problem: 'must be a list of spec strings' }];
  return list.flatMap((item: unknown, index) =>
    typeof item === 'string'
      ? stringProblems(item, [...path, index], lists, 'constraint')
      : [{ path: [...path, index], problem: `must be a spec string, got ${describeValue(item, quoteValue)}` }],
  );
}

function stringProblems(text: string, path: (string | number)[], lists: DefinedLists, role: SpecRole): SpecListProblem[] {
  const reference = REFERENCE.exec(text);
  if (reference) {
    if (role === 'version')
      return [
        {
          path,
          index: 0,
          problem: `the first spec names the container version, so it must be a spec string with a package name, not the reference ${quoteValue(text)}`,
        },
      ];
    const [, sigil = '', name = ''] = reference;
    const list = lists.get(name);
    if (!list) return [{ path, index: 0, problem: `${quoteValue(text)} refers to the list ${quoteValue(name)}, which spack.definitions does not define` }];
    return sigiledProblems(text, sigil, list, path);
  }
  // Spack reads a blank string as a spec with nothing in it: never what a user meant.
  if (text.trim() === '') return [{ path, index: 0, problem: 'an empty spec (write a package name, e.g. "zlib@1.3")' }];
  const parsed = parseSpec(text);
  if ('problem' in parsed) return [{ path, index: parsed.index, problem: parsed.problem }];
  if (role !== 'constraint' && parsed.spec.root.name === undefined) {
    return [
      {
        path,
        index: text.length - text.trimStart().length,
        problem: `${quoteValue(text)} names no package: Spack cannot add anonymous specs to an environment (they belong in a matrix row)`,
      },
    ];
  }
  return optionLikeVariants(parsed.spec, path);
}

/**
 * `--name` is Spack's third spelling of a propagated false variant (`~~name`), which it prints
 * as `~~name`; in a spec list it is almost always a command-line option pasted in
 * (`zlib --help`), which Spack accepts and concretization then fails on.
 */
function optionLikeVariants({ root, dependencies }: ParsedSpec, path: (string | number)[]): SpecListProblem[] {
  return [root, ...dependencies.map((dependency) => dependency.node)].flatMap((node) =>
    node.parameters
      .filter((parameter) => parameter.written.startsWith('--'))
      .map((parameter) => ({
        path,
        index: parameter.index,
        warning: true as const,
        problem: `${quoteValue(parameter.written)} reads as the propagated variant ${quoteValue(`~~${parameter.name}`)} (${parameter.name}=false for ${node.name ? quoteValue(node.name) : 'the node'} and its dependencies), not as an option; write ~~${parameter.name} if that is meant`,
      })),
  );
}

/**
 * Spack puts the sigil of `$^name` or `$%name` before each spec of the list: `$%compilers` of
 * `[gcc@12]` is `%gcc@12`, while `[%gcc@12]` makes `%%gcc@12`, which Spack cannot read.
 */
function sigiledProblems(text: string, sigil: string, list: unknown[], path: (string | number)[]): SpecListProblem[] {
  if (sigil === '') return [];
  for (const entry of list) {
    if (typeof entry !== 'string' || entry.startsWith('$')) continue;
    const parsed = parseSpec(sigil + entry);
    if ('problem' in parsed) {
      return [
        { path, index: 0, problem: `${quoteValue(text)} puts "${sigil}" before ${quoteValue(entry)}, which makes a spec Spack cannot read: ${parsed.problem}` },
      ];
    }
  }
  return [];
}

/** The lists of `definitions:` by name; Spack joins lists of the same name. */
type DefinedLists = Map<string, unknown[]>;

/** The lists under `definitions:` (a list of `{<name>: [...], when: <condition>}`), and their names. */
function definedLists(definitions: unknown): { names: DefinedLists; lists: { path: (string | number)[]; list: unknown[] }[] } {
  const names: DefinedLists = new Map();
  const lists: { path: (string | number)[]; list: unknown[] }[] = [];
  if (!Array.isArray(definitions)) return { names, lists };
  definitions.forEach((definition: unknown, index) => {
    if (!isPlainObject(definition)) return;
    for (const [name, list] of Object.entries(definition)) {
      if (name === 'when' || !Array.isArray(list)) continue;
      names.set(name, [...(names.get(name) ?? []), ...(list as unknown[])]);
      lists.push({ path: ['definitions', index, name], list });
    }
  });
  return { names, lists };
}
