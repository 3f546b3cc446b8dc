import { CORE_SCHEMA, load, type YAMLException } from 'js-yaml';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { SpacktainersError, type SourceLocation } from '../errors.js';
import { firstLine, quoteStart, quoteValue } from './quote.js';
import type { ProblemLocator } from './shape.js';

/** Far above what aliases add to a real file; an alias bomb passes it within a few levels. */
const MAX_ALIASED_VALUES = 100_000;
const IN_PROGRESS = -1;

/**
 * A parsed YAML (or JSON) file that remembers where each value came from, so errors can name
 * file, line, column and key.
 */
export class YamlSource implements ProblemLocator {
  private constructor(
    readonly file: string,
    readonly document: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  static parse(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    // The library's own uniqueKeys compares each key with every earlier one of its map, which
    // takes minutes for a megabyte map; checkNodes finds the same duplicates in one pass.
    const document = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
    const first = document.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      throw SpacktainersError.input(
        { file, line: pos.line, column: pos.col },
        // The parser's messages can quote the source; a log shows no more than a line of it.
        `malformed YAML: ${firstLine(first.message, 200)}`,
      );
    }
    const source = new YamlSource(file, document, lines, text);
    source.checkNodes(document.contents, [], new Map(), { values: 0 });
    return source;
  }

  /** The plain JavaScript value of the whole document. */
  toJS(): unknown {
    // checkNodes has bounded what aliases expand to, with an error that names the alias.
    return this.document.toJS({ maxAliasCount: -1 });
  }

  /**
   * Refuse duplicate keys, an alias inside its own anchor (a cycle), and aliases that add more
   * than MAX_ALIASED_VALUES values (an alias bomb: ten aliases of ten aliases of ... grow
   * tenfold per level). Returns how many values `node` stands for, aliases expanded.
   */
  private checkNodes(node: unknown, path: (string | number)[], anchors: Map<string, number>, aliased: { values: number }): number {
    if (isAlias(node)) {
      const expanded = anchors.get(node.source);
      const at = this.at(node.range?.[0] ?? 0, path);
      const alias = `alias *${firstLine(node.source, 60)}`;
      if (expanded === undefined) throw SpacktainersError.input(at, `${alias} does not name an anchor defined before it`);
      if (expanded === IN_PROGRESS) throw SpacktainersError.input(at, `${alias} is inside its own anchor`);
      aliased.values += expanded;
      if (aliased.values > MAX_ALIASED_VALUES) {
        throw SpacktainersError.input(at, `aliases expand this file by more than ${MAX_ALIASED_VALUES} values`);
      }
      return expanded;
    }
    const anchor = (node as Node | null)?.anchor;
    if (anchor) anchors.set(anchor, IN_PROGRESS);
    let values = 1;
    if (isMap(node)) {
      const keys = new Map<string, number>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const offset = keyNode?.range?.[0] ?? 0;
        const earlier = keys.get(key);
        if (earlier !== undefined) {
          throw SpacktainersError.input(this.at(offset, [...path, key]), `duplicate key (first at line ${this.lines.linePos(earlier).line})`);
        }
        keys.set(key, offset);
        // A key can be an alias too, which the library expands into a string.
        values += this.checkNodes(keyNode, path, anchors, aliased);
        // One path array for the whole walk (`at` copies it): a copy per value was most of the time.
        path.push(key);
        values += this.checkNodes(pair.value, path, anchors, aliased);
        path.pop();
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        path.push(index);
        values += this.checkNodes(item, path, anchors, aliased);
        path.pop();
      });
    }
    if (anchor) anchors.set(anchor, values);
    return values;
  }

  /** The location of the value at `path`, or of the nearest parent that exists. */
  locate(path: (string | number)[]): SourceLocation {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth), true);
      const offset = (node as Node | undefined)?.range?.[0];
      if (offset !== undefined) return this.at(offset, path);
    }
    return { file: this.file, key: path.join('.') || undefined };
  }

  /** The location of the key (not its value) at `path`, for "unknown key" messages. */
  locateKey(path: (string | number)[]): SourceLocation {
    const parent = this.document.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
      const offset = (pair?.key as Node | undefined)?.range?.[0];
      if (offset !== undefined) return this.at(offset, path);
    }
    return this.locate(path);
  }

  /**
   * The location of the character `index` (0-based) of the string at `path`, when the file
   * spells the string out up to there on one line: a plain scalar, or a quoted one without
   * escapes before it. Otherwise (folded, escaped, a block scalar) undefined: the file's column
   * of that character is not the string's.
   */
  locateInString(path: (string | number)[], index: number): SourceLocation | undefined {
    const node = this.document.getIn(path, true);
    if (!isScalar(node) || !node.range || typeof node.value !== 'string') return undefined;
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    if (!quoted && node.type !== 'PLAIN') return undefined;
    const start = node.range[0] + (quoted ? 1 : 0);
    const written = this.text.slice(start, start + index);
    if (written !== node.value.slice(0, index) || /[\r\n]/.test(written)) return undefined;
    return this.at(start + index, path);
  }

  /**
   * A plain or quoted string spread over several source lines (as a file that is not YAML at
   * all reads) joins them with spaces; it is shown as far as its first line goes.
   */
  quote(path: (string | number)[], value: string): string {
    const node = this.document.getIn(path, true);
    // Block scalars (| and >) keep their line breaks, so the value's first line is the file's.
    const folded = isScalar(node) && node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED';
    const range = folded ? node.range : undefined;
    const line = range && this.lines.linePos(range[0]).line;
    if (!range || line === this.lines.linePos(range[1]).line) return quoteValue(value);
    const end = this.lines.lineStarts[line!] ?? this.text.length;
    return quoteStart(this.text.slice(range[0], end).replace(/^["']/, ''));
  }

  private at(offset: number, path: (string | number)[]): SourceLocation {
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col, key: path.join('.') || undefined };
  }

  error(path: (string | number)[], problem: string): SpacktainersError {
    return SpacktainersError.input(this.locate(path), problem);
  }

  keyError(path: (string | number)[], problem: string): SpacktainersError {
    return SpacktainersError.input(this.locateKey(path), problem);
  }
}

/**
 * A big YAML file read for its value only. js-yaml parses it several times faster than the
 * document model of YamlSource, which matters for the megabytes `spack ci generate` writes;
 * positions are only needed for an error, so the file is parsed again with YamlSource then.
 * The core schema reads values as YamlSource does (no dates, no `<<` merges).
 */
export class YamlValue implements ProblemLocator {
  private located?: YamlSource;

  private constructor(
    readonly file: string,
    private readonly text: string,
    readonly value: unknown,
  ) {}

  static parse(file: string, text: string): YamlValue {
    try {
      return new YamlValue(file, text, load(text, { schema: CORE_SCHEMA, filename: file }));
    } catch (error) {
      // YamlSource says where and what in the same words as for every other file.
      YamlSource.parse(file, text);
      const { mark, reason } = error as YAMLException;
      throw SpacktainersError.input({ file, line: mark.line + 1, column: mark.column + 1 }, `malformed YAML: ${firstLine(reason, 200)}`);
    }
  }

  private source(): YamlSource {
    this.located ??= YamlSource.parse(this.file, this.text);
    return this.located;
  }

  error(path: (string | number)[], problem: string): SpacktainersError {
    return this.source().error(path, problem);
  }

  keyError(path: (string | number)[], problem: string): SpacktainersError {
    return this.source().keyError(path, problem);
  }

  quote(path: (string | number)[], value: string): string {
    return this.source().quote(path, value);
  }
}
