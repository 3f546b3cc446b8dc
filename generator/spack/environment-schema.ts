import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import spackSchemaFile from '../../fixtures/spack/schema/env-0.21.2.json' with { type: 'json' };
import type { SpacktainersError } from '../errors.js';
import { describeValue, isPlainObject, type ProblemLocator } from '../input/shape.js';
import { closestName, didYouMean } from '../input/suggest.js';

/**
 * What Spack 0.21.2 accepts under `spack:` (its `spack.schema.env.schema`, exported by Spack
 * itself: see fixtures/spack/README.md). Imported as data, so the built CLI carries it in dist/
 * with no file to find at run time.
 */
export const spackEnvironmentSchema: Record<string, unknown> = spackSchemaFile.properties.spack;

/** The keys Spack knows under `spack:`. */
export const spackEnvironmentKeys: readonly string[] = Object.keys(spackSchemaFile.properties.spack.properties);

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * The validator of one key under `spack:` (`''`: the mapping itself, every key's value let
 * through), compiled on first use. Compiling the whole schema (180 kB) takes a third of a second;
 * an environment uses a few of its keys, and compiling those alone is what makes `validate`
 * start quickly. Ajv's optimizing pass over the generated code would double the time to save
 * microseconds on files of a few lines, so it is off. `strict: false` because Spack's schema has
 * keywords of its own (`deprecatedProperties`) and defaults inside combinators; `verbose` gives
 * each error the schema around it, whose keys the hints come from. The schema is Spack's own, fixed
 * in fixtures/, so checking it against JSON Schema's meta-schema each run (`validateSchema`)
 * would only cost time.
 */
function spackValidator(key: string): ValidateFunction {
  let validator = validators.get(key);
  if (!validator) {
    ajv ??= new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: false, code: { optimize: false } });
    validator = ajv.compile(
      key === '' ? { ...spackEnvironmentSchema, properties: Object.fromEntries(spackEnvironmentKeys.map((k) => [k, true])) } : spackProperty(key),
    );
    validators.set(key, validator);
  }
  return validator;
}

function spackProperty(key: string): Record<string, unknown> {
  return (spackEnvironmentSchema.properties as Record<string, Record<string, unknown>>)[key]!;
}

/**
 * What the whole schema's validator would report: the mapping's own errors, then those of each key
 * in the schema's order, as seen from `spack:`.
 */
function schemaErrors(value: unknown): ErrorObject[] {
  const root = spackValidator('');
  const errors = root(value) ? [] : [...(root.errors ?? [])];
  if (!isPlainObject(value)) return errors;
  for (const key of spackEnvironmentKeys.filter((k) => k in value)) {
    const validate = spackValidator(key);
    if (validate(value[key])) continue;
    const pointer = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    for (const error of validate.errors ?? [])
      errors.push({ ...error, instancePath: `${pointer}${error.instancePath}`, schemaPath: `#/properties${pointer}${error.schemaPath.slice(1)}` });
  }
  return errors;
}

/**
 * What Spack's own schema finds wrong in the environment `value` (at `path` of the file), one
 * problem per mistake: of the alternatives a value may take (a `view` is true/false, a name or a
 * mapping) only the one it came closest to is reported.
 */
export function spackEnvironmentProblems(source: ProblemLocator, value: unknown, path: (string | number)[]): SpacktainersError[] {
  const unmarked = withoutOverrideMarks(value);
  const errors = schemaErrors(unmarked);
  if (errors.length === 0) return [];
  // An unknown key's error is about the key, one level below the mapping it is reported at.
  const located = (error: ErrorObject) => {
    const segments = instanceSegments(error.instancePath);
    if (error.keyword === 'additionalProperties') segments.push(error.params.additionalProperty as string);
    return [...path, ...sourcePath(value, segments)];
  };
  return closestAlternatives(errors).map((error) => problem(source, located(error), error));
}

/**
 * The environment as Spack's schema sees it: Spack's YAML reader takes a key written `key::`
 * (replace what lower-precedence configuration has, rather than merge) as `key`, marked.
 */
function withoutOverrideMarks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutOverrideMarks);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key.replace(/:$/, ''), withoutOverrideMarks(child)]));
}

/** A path in the value Spack's schema saw, as written in the file (`script:` where it says `script`). */
function sourcePath(value: unknown, segments: (string | number)[]): (string | number)[] {
  let node = value;
  return segments.map((segment) => {
    const key = isPlainObject(node) && typeof segment === 'string' && !(segment in node) && `${segment}:` in node ? `${segment}:` : segment;
    node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined;
    return key;
  });
}

/**
 * The errors of a value that failed every alternative of an `anyOf`/`oneOf` are those of the
 * alternative it came closest to. Inner combinators are settled first, so an outer one weighs
 * its alternatives by what is left of them.
 */
function closestAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf');
  combinators.sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  let leaves = errors.filter((error) => !COMBINATORS.has(error.keyword));
  for (const combinator of combinators) {
    const within = (error: ErrorObject) => error.schemaPath.startsWith(`${combinator.schemaPath}/`) && isAtOrBelow(error.instancePath, combinator.instancePath);
    const members = leaves.filter(within);
    // A oneOf that failed because two alternatives matched has no errors of its own below it.
    const kept = members.length === 0 ? [combinator] : closestAlternative(members, combinator);
    leaves = [...leaves.filter((error) => !within(error)), ...kept];
  }
  return leaves;
}

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);

function isAtOrBelow(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

/**
 * Of the errors below `combinator`, those of the alternative the value came closest to: the one
 * whose errors lie deepest in the value (it matched the most), then the one with the fewest.
 * When no alternative got past the value's type, one error says every type it may have.
 */
function closestAlternative(members: ErrorObject[], combinator: ErrorObject): ErrorObject[] {
  const typeOnly = members.every((error) => (error.keyword === 'type' || error.keyword === 'enum') && error.instancePath === combinator.instancePath);
  if (typeOnly) {
    const allowed = members.flatMap((error) =>
      error.keyword === 'type' ? [String(error.params.type)] : (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)),
    );
    return [{ ...members[0]!, keyword: 'type', params: { type: [...new Set(allowed)].join(',') } }];
  }
  const branchAt = combinator.schemaPath.length + 1;
  const branches = new Map<string, ErrorObject[]>();
  for (const error of members) {
    const branch = error.schemaPath.slice(branchAt).split('/')[0] ?? '';
    branches.set(branch, [...(branches.get(branch) ?? []), error]);
  }
  // An unknown key lies one level below the mapping the error is reported at.
  const depth = (errors: ErrorObject[]) => Math.max(...errors.map((e) => e.instancePath.split('/').length + (e.keyword === 'additionalProperties' ? 1 : 0)));
  const closest = [...branches.values()].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
  return closest.map((error) => (error.keyword === 'additionalProperties' ? withKeysOfEveryAlternative(error, members) : error));
}

/**
 * An unknown key where each alternative allows other keys (a `pipeline-gen` entry is one of
 * `build-job:`, `noop-job:`, ...) is meant as one of all of them, so all are the hint's candidates.
 */
function withKeysOfEveryAlternative(error: ErrorObject, members: ErrorObject[]): ErrorObject {
  const properties = Object.assign(
    {},
    ...members.filter((other) => other.keyword === 'additionalProperties' && other.instancePath === error.instancePath).map((other) => knownKeys(other)),
  ) as Record<string, unknown>;
  return { ...error, parentSchema: { properties } };
}

function knownKeys(error: ErrorObject): Record<string, unknown> {
  return (error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {};
}

function problem(source: ProblemLocator, path: (string | number)[], error: ErrorObject): SpacktainersError {
  const quote = (text: string) => source.quote(path, text);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(path[path.length - 1]).replace(/:$/, '');
      return source.keyError(path, `unknown key to Spack${didYouMean(key, Object.keys(knownKeys(error)))}`);
    }
    case 'required':
      return source.error([...path, error.params.missingProperty as string], 'is required by Spack');
    case 'type':
      return source.error(path, `must be ${typeWords(String(error.params.type))}, got ${describeValue(error.data, quote)}`);
    case 'enum':
      return source.error(
        path,
        `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(error.data, quote)}`,
      );
    default:
      return source.error(path, `${error.message ?? 'is not what Spack accepts'} (Spack's schema)`);
  }
}

const TYPE_WORDS: Record<string, string> = {
  boolean: 'true or false',
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  integer: 'a whole number',
  null: 'empty',
};

function typeWords(types: string): string {
  const words = types.split(',').map((type) => TYPE_WORDS[type] ?? type);
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]!}`;
}

/** A JSON pointer's segments; list indexes as numbers, as the YAML source addresses them. */
function instanceSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}

type SchemaNode = Record<string, unknown>;

/**
 * Keys Spack's schema lets through without reading them (its `config:` section is open), yet
 * spelt almost like one it reads: `install_tre:` is accepted and ignored, so the install tree
 * silently stays the default. One `[path, key meant]` each; a warning, since Spack accepts them.
 */
export function ignoredSpackKeys(value: unknown): { path: (string | number)[]; meant: string }[] {
  const found: { path: (string | number)[]; meant: string }[] = [];
  const walk = (schemas: SchemaNode[], node: unknown, path: (string | number)[]) => {
    const all = schemas.flatMap(alternatives);
    if (Array.isArray(node)) {
      const items = all.flatMap((schema) => (isSchema(schema.items) ? [schema.items] : []));
      if (items.length > 0) node.forEach((item, index) => walk(items, item, [...path, index]));
      return;
    }
    if (!isPlainObject(node)) return;
    const properties = all.flatMap((schema) => Object.keys(schemaMap(schema.properties)));
    for (const [key, child] of Object.entries(node)) {
      const children = all.flatMap((schema) => childSchemas(schema, key.replace(/:$/, '')));
      if (children.length > 0) walk(children, child, [...path, key]);
      else {
        const meant = closestName(key, properties);
        if (meant !== undefined) found.push({ path: [...path, key], meant });
      }
    }
  };
  walk([spackEnvironmentSchema], value, []);
  return found;
}

/** A schema and, through allOf/anyOf/oneOf, every schema a value may be held to with it. */
function alternatives(schema: SchemaNode): SchemaNode[] {
  const nested = ['allOf', 'anyOf', 'oneOf'].flatMap((keyword) => (Array.isArray(schema[keyword]) ? (schema[keyword] as unknown[]).filter(isSchema) : []));
  return [schema, ...nested.flatMap(alternatives)];
}

/** The schemas a key's value is held to; none when the object takes the key unread. */
function childSchemas(schema: SchemaNode, key: string): SchemaNode[] {
  const named = schemaMap(schema.properties)[key];
  if (named !== undefined) return [named];
  const patterns = Object.entries(schemaMap(schema.patternProperties)).filter(([pattern]) => patternRegExp(pattern).test(key));
  if (patterns.length > 0) return patterns.map(([, child]) => child);
  const additional = schema.additionalProperties;
  return isSchema(additional) ? [additional] : [];
}

const patternRegExps = new Map<string, RegExp>();

/** Each pattern compiled once (as ajv does, with `u`): a `packages:` map may hold thousands of keys. */
function patternRegExp(pattern: string): RegExp {
  let regExp = patternRegExps.get(pattern);
  if (regExp === undefined) patternRegExps.set(pattern, (regExp = new RegExp(pattern, 'u')));
  return regExp;
}

function schemaMap(value: unknown): Record<string, SchemaNode> {
  return isSchema(value) ? (value as Record<string, SchemaNode>) : {};
}

function isSchema(value: unknown): value is SchemaNode {
  return isPlainObject(value);
}
