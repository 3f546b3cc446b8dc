import type { SpacktainersError } from '../errors.js';
import { closestName, meantHint } from './suggest.js';

/** Turns a problem at a key path into an error that says where it is (a file, a variable). */
export interface ProblemLocator {
  error(path: (string | number)[], problem: string): SpacktainersError;
  /** The same for problems with the key itself (unknown keys), pointing at the key. */
  keyError(path: (string | number)[], problem: string): SpacktainersError;
  /** The string at `path` as a message may show it: never more than the line it starts on. */
  quote(path: (string | number)[], value: string): string;
}

/**
 * A declarative description of what a user file may contain. One description serves two
 * ends: checking a parsed file (with file/line/column/key in every error) and emitting the
 * JSON Schema that editors use, so the two can never disagree.
 */
export type Shape =
  | StringShape
  | { kind: 'number'; integer?: boolean; minimum?: number; description?: string }
  | { kind: 'boolean'; description?: string }
  | { kind: 'list'; items: Shape; minItems?: number; description?: string }
  | ObjectShape
  | MapShape
  /** Anything, for the check: a later pass checks it (`jsonSchema` tells editors what that pass accepts). */
  | { kind: 'any'; description?: string; jsonSchema?: Record<string, unknown> };

export interface StringShape {
  kind: 'string';
  /** Checked here and exported to the JSON Schema. */
  pattern?: RegExp;
  /** What the pattern means, in words, for the error message. */
  patternMeaning?: string;
  enum?: string[];
  /** A further check a regular expression cannot say; returns the problem, if any. */
  check?: (value: string) => string | undefined;
  description?: string;
}

/** A mapping of names the user chooses (`keys` checks them) to values of one shape. */
export interface MapShape {
  kind: 'map';
  values: Shape;
  keys?: StringShape;
  minEntries?: number;
  description?: string;
}

export interface ObjectShape {
  kind: 'object';
  fields: Record<string, { shape: Shape; required?: boolean }>;
  /** Keys not listed are allowed and kept (Spack's own keys under `spack:`). */
  open?: boolean;
  /** The keys an open object knows beyond its fields (checked elsewhere), for "did you mean" hints. */
  otherKeys?: readonly string[];
  description?: string | undefined;
}

type Path = (string | number)[];

export function checkShape(source: ProblemLocator, value: unknown, shape: Shape, path: Path = []): SpacktainersError[] {
  const problem = (p: Path, text: string) => [source.error(p, text)];
  const quote = (text: string) => source.quote(path, text);
  switch (shape.kind) {
    case 'any':
      return [];
    case 'string': {
      if (typeof value !== 'string') return problem(path, `must be a string, got ${describeValue(value, quote)}`);
      if (shape.enum && !shape.enum.includes(value)) {
        return problem(path, `must be one of ${shape.enum.join(', ')}, got ${quote(value)}`);
      }
      if (shape.pattern && !shape.pattern.test(value)) {
        return problem(path, `${quote(value)} is not ${shape.patternMeaning ?? `matching ${shape.pattern}`}`);
      }
      const extra = shape.check?.(value);
      return extra ? problem(path, extra) : [];
    }
    case 'number': {
      if (typeof value !== 'number' || Number.isNaN(value)) return problem(path, `must be a number, got ${describeValue(value, quote)}`);
      if (shape.integer && !Number.isInteger(value)) return problem(path, `must be a whole number, got ${value}`);
      if (shape.minimum !== undefined && value < shape.minimum) return problem(path, `must be at least ${shape.minimum}`);
      return [];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : problem(path, `must be true or false, got ${describeValue(value, quote)}`);
    case 'list': {
      if (!Array.isArray(value)) return problem(path, `must be a list, got ${describeValue(value, quote)}`);
      if (shape.minItems !== undefined && value.length < shape.minItems) {
        return problem(path, shape.minItems === 1 ? 'must not be empty' : `needs at least ${shape.minItems} entries`);
      }
      return value.flatMap((item, i) => checkShape(source, item, shape.items, [...path, i]));
    }
    case 'map': {
      if (!isPlainObject(value)) return problem(path, `must be a mapping, got ${describeValue(value, quote)}`);
      const entries = Object.entries(value);
      if (shape.minEntries !== undefined && entries.length < shape.minEntries) return problem(path, 'must not be empty');
      const { keys } = shape;
      return entries.flatMap(([k, v]) => {
        const badKey = keys?.pattern && !keys.pattern.test(k) ? `${quote(k)} is not ${keys.patternMeaning ?? `matching ${keys.pattern}`}` : undefined;
        return badKey ? [source.keyError([...path, k], badKey)] : checkShape(source, v, shape.values, [...path, k]);
      });
    }
    case 'object': {
      if (!isPlainObject(value)) return problem(path, `must be a mapping, got ${describeValue(value, quote)}`);
      const errors: SpacktainersError[] = [];
      const known = new Set(objectKeys(shape));
      const unknown = Object.keys(value).filter((key) => !known.has(key));
      // A required key that is missing next to a key spelt almost like it is one mistake, said at the key written.
      const misspelt = new Map<string, string>();
      for (const [key, field] of Object.entries(shape.fields)) {
        const stray = field.required && (value[key] === undefined || value[key] === null) ? closestName(key, unknown) : undefined;
        if (stray !== undefined && !misspelt.has(stray)) misspelt.set(stray, key);
      }
      for (const key of unknown) {
        const meant = misspelt.get(key);
        const hint = meant === undefined ? suggestion(key, shape) : meantHint(meant);
        if (!shape.open) errors.push(source.keyError([...path, key], `unknown key (allowed here: ${Object.keys(shape.fields).join(', ')})${hint}`));
        else if (meant !== undefined) errors.push(source.keyError([...path, key], `unknown key${hint} (it is required)`));
      }
      const reported = new Set(misspelt.values());
      for (const [key, field] of Object.entries(shape.fields)) {
        if (value[key] === undefined || value[key] === null) {
          if (field.required && !reported.has(key)) errors.push(source.error([...path, key], 'is required'));
          continue;
        }
        errors.push(...checkShape(source, value[key], field.shape, [...path, key]));
      }
      return errors;
    }
  }
}

/**
 * `; did you mean X?` for an unknown key: the closest key of this object, else of an object one
 * level down (a key that belongs under it: `specs:` written above `spack:` is `spack.specs`).
 */
function suggestion(key: string, shape: ObjectShape): string {
  const own = closestName(key, objectKeys(shape));
  if (own !== undefined) return meantHint(own);
  const below = new Map<string, string>();
  for (const [name, field] of Object.entries(shape.fields)) {
    if (field.shape.kind === 'object') for (const child of objectKeys(field.shape)) below.set(child, `${name}.${child}`);
  }
  const child = below.has(key) ? key : closestName(key, below.keys());
  return meantHint(child === undefined ? undefined : below.get(child));
}

function objectKeys(shape: ObjectShape): string[] {
  return [...Object.keys(shape.fields), ...(shape.otherKeys ?? [])];
}

/** The JSON Schema (draft-07) equivalent of a shape. */
export function toJsonSchema(shape: Shape): Record<string, unknown> {
  const base: Record<string, unknown> = shape.description ? { description: shape.description } : {};
  switch (shape.kind) {
    case 'any':
      return { ...base, ...shape.jsonSchema };
    case 'string':
      return {
        ...base,
        type: 'string',
        ...(shape.pattern ? { pattern: shape.pattern.source } : {}),
        ...(shape.enum ? { enum: shape.enum } : {}),
      };
    case 'number':
      return {
        ...base,
        type: shape.integer ? 'integer' : 'number',
        ...(shape.minimum !== undefined ? { minimum: shape.minimum } : {}),
      };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'list':
      return {
        ...base,
        type: 'array',
        items: toJsonSchema(shape.items),
        ...(shape.minItems !== undefined ? { minItems: shape.minItems } : {}),
      };
    case 'map':
      return {
        ...base,
        type: 'object',
        ...(shape.keys?.pattern ? { propertyNames: { pattern: shape.keys.pattern.source } } : {}),
        ...(shape.minEntries !== undefined ? { minProperties: shape.minEntries } : {}),
        additionalProperties: toJsonSchema(shape.values),
      };
    case 'object': {
      const required = Object.entries(shape.fields)
        .filter(([, f]) => f.required)
        .map(([k]) => k);
      return {
        ...base,
        type: 'object',
        properties: Object.fromEntries(Object.entries(shape.fields).map(([k, f]) => [k, toJsonSchema(f.shape)])),
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: shape.open ?? false,
      };
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a problem names what was found instead: `a list`, `string "x"`, `number 3`. */
export function describeValue(value: unknown, quote: (text: string) => string): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? `string ${quote(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}
