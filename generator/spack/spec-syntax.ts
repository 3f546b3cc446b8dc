import { quoteValue } from '../input/quote.js';

/**
 * Spack 0.21's spec syntax (`lib/spack/spack/parser.py`), so that `validate` rejects what
 * `spack concretize` would reject and accepts what it accepts. The tokens are Spack's own
 * regular expressions, tried in Spack's order; the parser follows Spack's `SpecParser`,
 * including the checks it makes while it builds a spec (one version, one compiler, one value
 * per variant and architecture part, known edge attributes). What needs the package
 * repository (does the variant exist, is the version known) is left to Spack.
 */

const IDENTIFIER = String.raw`(?:[a-zA-Z_0-9][a-zA-Z_0-9\-]*)`;
const DOTTED_IDENTIFIER = String.raw`(?:${IDENTIFIER}(?:\.${IDENTIFIER})+)`;
const GIT_HASH = String.raw`(?:[A-Fa-f0-9]{40})`;
const GIT_REF = String.raw`(?:[a-zA-Z_0-9][a-zA-Z_0-9./\-]*)`;
const GIT_VERSION_PATTERN = String.raw`(?:(?:git\.(?:${GIT_REF}))|(?:${GIT_HASH}))`;
const NAME = String.raw`[a-zA-Z_0-9][a-zA-Z_0-9\-.]*`;
const HASH = String.raw`[a-zA-Z_0-9]+`;
const UNIX_FILENAME = String.raw`(?:\.|\/|[a-zA-Z0-9-_]*\/)(?:[a-zA-Z0-9-_\.\/]*)(?:\.json|\.yaml)`;
const VALUE = String.raw`(?:[a-zA-Z_0-9\-+\*.,:=\~\/\\]+)`;
const QUOTED_VALUE = String.raw`["']+(?:[a-zA-Z_0-9\-+\*.,:=\~\/\\\s]+)["']+`;
const VERSION = String.raw`=?(?:[a-zA-Z0-9_][a-zA-Z_0-9\-\.]*\b)`;
const VERSION_RANGE = String.raw`(?:(?:${VERSION})?:(?:${VERSION}(?!\s*=))?)`;
const VERSION_LIST = String.raw`(?:${VERSION_RANGE}|${VERSION})(?:\s*,\s*(?:${VERSION_RANGE}|${VERSION}))*`;

/** Spack's token kinds, in its order of precedence: the first that matches at a position wins. */
const TOKEN_KINDS = {
  START_EDGE_PROPERTIES: String.raw`(?:\^\[)`,
  END_EDGE_PROPERTIES: String.raw`(?:\])`,
  DEPENDENCY: String.raw`(?:\^)`,
  VERSION_HASH_PAIR: String.raw`(?:@(?:${GIT_VERSION_PATTERN})=(?:${VERSION}))`,
  GIT_VERSION: String.raw`@(?:${GIT_VERSION_PATTERN})`,
  VERSION: String.raw`(?:@\s*(?:${VERSION_LIST}))`,
  PROPAGATED_BOOL_VARIANT: String.raw`(?:(?:\+\+|~~|--)\s*${NAME})`,
  BOOL_VARIANT: String.raw`(?:[~+-]\s*${NAME})`,
  PROPAGATED_KEY_VALUE_PAIR: String.raw`(?:${NAME}\s*==\s*(?:${VALUE}|${QUOTED_VALUE}))`,
  KEY_VALUE_PAIR: String.raw`(?:${NAME}\s*=\s*(?:${VALUE}|${QUOTED_VALUE}))`,
  COMPILER_AND_VERSION: String.raw`(?:%\s*(?:${NAME})(?:[\s]*)@\s*(?:${VERSION_LIST}))`,
  COMPILER: String.raw`(?:%\s*(?:${NAME}))`,
  FILENAME: String.raw`(?:${UNIX_FILENAME})`,
  FULLY_QUALIFIED_PACKAGE_NAME: String.raw`(?:${DOTTED_IDENTIFIER})`,
  UNQUALIFIED_PACKAGE_NAME: String.raw`(?:${IDENTIFIER})`,
  DAG_HASH: String.raw`(?:/(?:${HASH}))`,
  WS: String.raw`(?:\s+)`,
} as const;

type TokenKind = keyof typeof TOKEN_KINDS;

interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based, in the spec string. */
  start: number;
}

const KIND_NAMES = Object.keys(TOKEN_KINDS) as TokenKind[];
/** One sticky alternation of all kinds, as Spack's `ALL_TOKENS` scanner. */
const ALL_TOKENS = new RegExp(KIND_NAMES.map((kind) => `(?<${kind}>${TOKEN_KINDS[kind]})`).join('|'), 'y');

/** A boolean variant (`+x`, `~x`, `-x`), a `key=value` (variants, flags) or either propagated (`++x`, `key==value`). */
export interface SpecParameter {
  name: string;
  value: string | boolean;
  propagate: boolean;
  /** Where its token starts, 0-based in the spec string as given. */
  index: number;
  /** The token as written (`--help` is the propagated variant `~~help`). */
  written: string;
}

/** One node of a spec: what may follow a package name (or stand without one, in an anonymous spec). */
export interface SpecNode {
  name?: string;
  namespace?: string;
  /** As written after `@`: a version, a list of versions and ranges, or `git.<ref>=<version>`. */
  version?: string;
  compiler?: { name: string; version?: string };
  /** Variants and compiler flags, in the order written; architecture parts are in `architecture`. */
  parameters: SpecParameter[];
  architecture: { platform?: string; os?: string; target?: string };
  /** A hash prefix (`/abc123`) naming an installed spec. */
  hash?: string;
}

/** A dependency `^node`, or `^[virtuals=mpi deptypes=build,link] node`. */
export interface SpecDependency {
  virtuals: string[];
  deptypes: string[];
  node: SpecNode;
}

/** A spec as Spack reads it: a root node and its dependencies (Spack attaches every `^` to the root). */
export interface ParsedSpec {
  root: SpecNode;
  dependencies: SpecDependency[];
}

/** Why a spec string is not one spec, and where: `index` is 0-based in the string as given. */
export interface SpecSyntaxProblem {
  index: number;
  problem: string;
}

export type SpecParse = { spec: ParsedSpec } | SpecSyntaxProblem;

const ARCHITECTURE_PARAMETERS = new Set(['arch', 'architecture', 'platform', 'os', 'operating_system', 'target']);
const DEPTYPES = new Set(['build', 'link', 'run', 'test']);

/** What stopped the parser: `what` was found at `index` (0-based), where `expected` would have been read. */
class SpecSyntaxError extends Error {
  constructor(
    readonly index: number,
    readonly what: string,
    readonly expected?: string,
  ) {
    super(what);
  }
}

/**
 * One spec, read as Spack reads a `specs:` entry of an environment (`Spec(text)`, which is
 * `parse_one_or_raise`): surrounding blanks are ignored, and at most one spec may be there
 * (none, in an empty string, is an anonymous spec with nothing in it, as for Spack).
 */
export function parseSpec(text: string): SpecParse {
  try {
    // Blanks around the spec are WS tokens, which the parser skips: the same as Spack's strip(),
    // with every index in the string as given.
    const parser = new SpecParser(new Tokens(text), text);
    const spec = parser.spec();
    const extra = parser.peek();
    if (extra) {
      const assignment = /^\s*==?\s*/.exec(text.slice(extra.start + extra.text.length));
      if (assignment && extra.kind.endsWith('PACKAGE_NAME')) throw valueProblem(text, extra, extra.start + extra.text.length + assignment[0].length);
      throw new SpecSyntaxError(
        extra.start,
        `a single spec was requested, but parsed more than one: a second spec starts with ${shown(extra)}`,
        'write each spec as its own entry',
      );
    }
    return { spec };
  } catch (error) {
    if (!(error instanceof SpecSyntaxError)) throw error;
    const expected = error.expected === undefined ? '' : ` (${error.expected})`;
    return { index: error.index, problem: `${error.what} at column ${error.index + 1} of ${quoteValue(text)}${expected}` };
  }
}

/**
 * Spack's tokens, read as its parser asks for them: one ahead of the token it last took, so a
 * character no token matches is reported only if the parser has not stopped before it (as
 * Spack's lazy tokenizer does: `^[virtuals=]` fails on "virtuals" in edge attributes, not on "]").
 */
class Tokens {
  private position = 0;
  private next: Token | undefined;

  constructor(private readonly text: string) {
    this.next = this.read();
  }

  peek(): Token | undefined {
    return this.next;
  }

  advance(): void {
    this.next = this.read();
  }

  private read(): Token | undefined {
    const { text } = this;
    while (this.position < text.length) {
      ALL_TOKENS.lastIndex = this.position;
      const match = ALL_TOKENS.exec(text);
      if (!match) {
        throw new SpecSyntaxError(
          this.position,
          `unexpected tokens in the spec string: ${JSON.stringify(text.slice(this.position, this.position + 1))}`,
          expectedAt(text[this.position]!),
        );
      }
      const kind = KIND_NAMES.find((name) => match.groups![name] !== undefined)!;
      this.position = match.index + match[0].length;
      if (kind !== 'WS') return { kind, text: match[0], start: match.index };
    }
    return undefined;
  }
}

/**
 * A `key=` whose value no token matches: Spack reads the key as a second spec's name and stops
 * there ("more than one spec"), which names neither the key nor the character at fault.
 */
function valueProblem(text: string, key: Token, valueStart: number): SpecSyntaxError {
  const what = `no valid value for ${JSON.stringify(key.text)}`;
  const quote = text[valueStart];
  const allowed = quote === '"' || quote === "'" ? QUOTED_CHARACTER : VALUE_CHARACTER;
  const first = quote === '"' || quote === "'" ? valueStart + 1 : valueStart;
  for (let index = first; index < text.length; index++) {
    const character = text[index]!;
    if (character === quote) return new SpecSyntaxError(index, `${what}: an empty quoted value`, VALUE_MEANING);
    if (!allowed.test(character)) return new SpecSyntaxError(index, `${what}: unexpected ${JSON.stringify(character)}`, VALUE_MEANING);
  }
  return quote === '"' || quote === "'"
    ? new SpecSyntaxError(valueStart, `${what}: the quote ${JSON.stringify(quote)} is not closed`, VALUE_MEANING)
    : new SpecSyntaxError(valueStart, `${what}: nothing after "="`, VALUE_MEANING);
}

const VALUE_CHARACTER = /[a-zA-Z_0-9\-+*.,:=~/\\]/;
const QUOTED_CHARACTER = /[a-zA-Z_0-9\-+*.,:=~/\\\s]/;
const VALUE_MEANING = 'a value is letters, digits and -+*.,:=~/\\ only, or those and blanks between quotes, e.g. cflags="-O3 -g"';

/** What Spack would have read at `index`, from the character that stopped it. */
function expectedAt(character: string): string {
  switch (character) {
    case '@':
      return 'expected a version after "@": @1.14, @1.2:1.4,1.6, @:3, @=1.2 or @git.<ref>=<version>';
    case '%':
      return 'expected a compiler name after "%", e.g. %gcc@12';
    case '+':
    case '~':
    case '-':
      return `expected a variant name after "${character}"`;
    case '/':
      return 'expected a hash after "/": letters and digits';
    case '=':
      return 'expected a name before "=" and a value after it, e.g. cflags="-O3 -g"';
    case '"':
    case "'":
      return 'a quoted value follows "key=" and holds letters, digits, blanks and -+*.,:=~/\\ only, closed by a quote';
    case '[':
      return 'edge attributes follow "^" directly: ^[virtuals=mpi] openmpi';
    default:
      return "not part of Spack's spec syntax";
  }
}

function shown(token: Token): string {
  return JSON.stringify(token.text);
}

class SpecParser {
  /** The token last taken, where Spack points when what follows it is missing. */
  private taken: Token | undefined;

  constructor(
    private readonly tokens: Tokens,
    private readonly text: string,
  ) {}

  peek(): Token | undefined {
    return this.tokens.peek();
  }

  private accept(...kinds: TokenKind[]): Token | undefined {
    const token = this.tokens.peek();
    if (token && kinds.includes(token.kind)) {
      this.taken = token;
      this.tokens.advance();
      return token;
    }
    return undefined;
  }

  /** Spack's `next_spec`: a root node, then `^` or `^[...]` dependencies. */
  spec(): ParsedSpec {
    const root = this.node() ?? emptyNode();
    const dependencies: SpecDependency[] = [];
    for (;;) {
      const sigil = this.accept('START_EDGE_PROPERTIES', 'DEPENDENCY');
      if (!sigil) break;
      const edge = sigil.kind === 'START_EDGE_PROPERTIES' ? this.edgeAttributes(sigil) : { virtuals: [], deptypes: [] };
      const node = this.node();
      if (!node) {
        const last = this.taken ?? sigil;
        throw new SpecSyntaxError(
          last.start,
          `the dependency sigil and any optional edge attributes must be followed by a package name or a node attribute (version, variant, etc.): nothing after ${shown(last)}`,
        );
      }
      dependencies.push({ ...edge, node });
    }
    return { root, dependencies };
  }

  /** Spack's `EdgeAttributeParser`: `key=value` pairs up to `]`. */
  private edgeAttributes(open: Token): { virtuals: string[]; deptypes: string[] } {
    const edge = { virtuals: [] as string[], deptypes: [] as string[] };
    for (;;) {
      const pair = this.accept('KEY_VALUE_PAIR');
      if (pair) {
        const { name, value } = keyValue(pair.text, '=');
        if (name !== 'deptypes' && name !== 'virtuals') {
          throw new SpecSyntaxError(pair.start, `the only edge attributes that are currently accepted are "deptypes" and "virtuals", got ${shown(pair)}`);
        }
        const values = value.split(',');
        const unknown = name === 'deptypes' ? values.find((type) => !DEPTYPES.has(type)) : undefined;
        if (unknown !== undefined) {
          throw new SpecSyntaxError(pair.start, `unknown dependency type ${JSON.stringify(unknown)} in ${shown(pair)}`, 'expected build, link, run or test');
        }
        edge[name] = values;
      } else if (this.accept('END_EDGE_PROPERTIES')) {
        return edge;
      } else {
        const next = this.peek();
        throw new SpecSyntaxError(
          next?.start ?? this.text.length,
          `unexpected token in edge attributes: ${next ? shown(next) : `the end of the spec (no "]" closes ${shown(open)})`}`,
          'expected virtuals=<names>, deptypes=<types> or "]"',
        );
      }
    }
  }

  /** Spack's `SpecNodeParser`: an optional name, then node attributes in any order. */
  private node(): SpecNode | undefined {
    const first = this.peek();
    if (!first || first.kind === 'DEPENDENCY') return undefined;
    const node = emptyNode();
    const name = this.accept('UNQUALIFIED_PACKAGE_NAME', 'FULLY_QUALIFIED_PACKAGE_NAME', 'FILENAME');
    if (name?.kind === 'FILENAME') {
      throw new SpecSyntaxError(name.start, `${shown(name)} is a spec file, which Spack reads from the disk where it runs`, 'write the spec itself');
    }
    if (name) {
      const parts = name.text.split('.');
      node.name = parts.pop()!;
      if (parts.length > 0) node.namespace = parts.join('.');
    }
    for (;;) {
      const token = this.peek();
      if (!token) break;
      if (token.kind === 'COMPILER' || token.kind === 'COMPILER_AND_VERSION') {
        if (node.compiler) throw new SpecSyntaxError(token.start, `${described(node)} cannot have multiple compilers: ${shown(token)}`);
        const [compiler = '', version] = token.text.slice(1).split('@');
        node.compiler = version === undefined ? { name: compiler.trim() } : { name: compiler.trim(), version: version.trim() };
      } else if (token.kind === 'VERSION_HASH_PAIR' || token.kind === 'GIT_VERSION' || token.kind === 'VERSION') {
        if (node.version !== undefined) throw new SpecSyntaxError(token.start, `${described(node)} cannot have multiple versions: ${shown(token)}`);
        node.version = token.text.slice(1).trim();
      } else if (token.kind === 'BOOL_VARIANT' || token.kind === 'PROPAGATED_BOOL_VARIANT') {
        const propagate = token.kind === 'PROPAGATED_BOOL_VARIANT';
        const sigil = propagate ? 2 : 1;
        addParameter(
          node,
          { name: token.text.slice(sigil).trim(), value: token.text.startsWith('+'), propagate, index: token.start, written: token.text },
          token,
        );
      } else if (token.kind === 'KEY_VALUE_PAIR' || token.kind === 'PROPAGATED_KEY_VALUE_PAIR') {
        const propagate = token.kind === 'PROPAGATED_KEY_VALUE_PAIR';
        addParameter(node, { ...keyValue(token.text, propagate ? '==' : '='), propagate, index: token.start, written: token.text }, token);
      } else if (token.kind === 'DAG_HASH' && node.hash === undefined) {
        node.hash = token.text.slice(1);
      } else break;
      this.tokens.advance();
    }
    return node;
  }
}

function emptyNode(): SpecNode {
  return { parameters: [], architecture: {} };
}

function described(node: SpecNode): string {
  return node.name ? JSON.stringify(node.name) : 'an anonymous spec';
}

/** A `key=value` token split as Spack splits it: at the first separator, quotes and blanks stripped from both ends. */
function keyValue(text: string, separator: '=' | '=='): { name: string; value: string } {
  const at = text.indexOf(separator);
  return { name: stripQuotes(text.slice(0, at)), value: stripQuotes(text.slice(at + separator.length)) };
}

function stripQuotes(text: string): string {
  return text.replace(/^["' ]+|["' ]+$/g, '');
}

/** Spack's `_add_flag`: architecture parts once each and never propagated, anything else once (flags may repeat). */
function addParameter(node: SpecNode, parameter: SpecParameter, token: Token): void {
  const { name, value, propagate } = parameter;
  if (ARCHITECTURE_PARAMETERS.has(name)) {
    if (propagate) throw new SpecSyntaxError(token.start, `the architecture cannot be propagated: ${shown(token)}`, `write ${JSON.stringify(`${name}=`)}`);
    const text = String(value);
    const parts = text.split('-');
    const set: SpecNode['architecture'] =
      name === 'arch' || name === 'architecture'
        ? parts.length === 3
          ? { platform: parts[0]!, os: parts[1]!, target: parts[2]! }
          : { target: text }
        : name === 'platform'
          ? { platform: text }
          : name === 'target'
            ? { target: text }
            : { os: text };
    const twice = (Object.keys(set) as (keyof SpecNode['architecture'])[]).find((part) => node.architecture[part] !== undefined);
    if (twice) throw new SpecSyntaxError(token.start, `${described(node)} cannot have two "${twice}" specified for its architecture: ${shown(token)}`);
    Object.assign(node.architecture, set);
    return;
  }
  if (!COMPILER_FLAGS.has(name) && node.parameters.some((earlier) => earlier.name === name)) {
    throw new SpecSyntaxError(token.start, `cannot specify variant ${JSON.stringify(name)} twice: ${shown(token)}`);
  }
  node.parameters.push(parameter);
}

/** Spack's `FlagMap.valid_compiler_flags()`: these add up instead of being a variant set twice. */
const COMPILER_FLAGS = new Set(['cflags', 'cxxflags', 'fflags', 'ldflags', 'ldlibs', 'cppflags']);
