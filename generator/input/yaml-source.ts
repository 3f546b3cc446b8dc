import { CORE_SCHEMA, load, type YAMLException } from 'js-yaml';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InputError, type SourceLocation } from './errors.js';
import type { ProblemLocator } from './shape.js';

/**
 * A parsed YAML (or JSON) file that remembers where each value came from, so errors can name
 * file, line, column and key.
 */
export class YamlSource implements ProblemLocator {
  private constructor(
    readonly file: string,
    readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const first = document.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      throw new InputError(
        { file, line: pos.line, column: pos.col },
        `malformed YAML: ${first.message.split('\n')[0]}`,
      );
    }
    return new YamlSource(file, document, lines);
  }

  /** The plain JavaScript value of the whole document. */
  toJS(): unknown {
    return this.document.toJS({ maxAliasCount: 100 });
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

  private at(offset: number, path: (string | number)[]): SourceLocation {
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col, key: path.join('.') || undefined };
  }

  error(path: (string | number)[], problem: string): InputError {
    return new InputError(this.locate(path), problem);
  }

  keyError(path: (string | number)[], problem: string): InputError {
    return new InputError(this.locateKey(path), problem);
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
      throw new InputError({ file, line: mark.line + 1, column: mark.column + 1 }, `malformed YAML: ${reason}`);
    }
  }

  private source(): YamlSource {
    this.located ??= YamlSource.parse(this.file, this.text);
    return this.located;
  }

  error(path: (string | number)[], problem: string): InputError {
    return this.source().error(path, problem);
  }

  keyError(path: (string | number)[], problem: string): InputError {
    return this.source().keyError(path, problem);
  }
}
