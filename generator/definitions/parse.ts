import { meantHint } from '../input/suggest.js';
import { formatProblem, SpacktainersError, throwIfAny } from '../errors.js';
import { checkShape, isPlainObject, type ObjectShape } from '../input/shape.js';
import { YamlSource } from '../input/yaml-source.js';
import type { Architecture } from '../settings/settings.js';
import { overriddenCiKeys } from '../spack/environment.js';
import { specListProblems, type SpecListProblem } from '../spack/spec-list.js';
import { ignoredSpackKeys, spackEnvironmentKeys, spackEnvironmentProblems } from '../spack/environment-schema.js';
import type { ContainerDefinition, CustomContainerDefinition, DefinitionSet, DefinitionText, FileCopy, SpackContainerDefinition } from './definition.js';
import { containerName, fileCopy, imageReference, spackSpecListEntry } from './syntax.js';
import { quoteValue } from '../input/quote.js';
import { byKeys, compareCodePoints } from '../pipeline/order.js';

/** What a `<name>.yaml` / `<name>/spack.yaml` definition may hold. Also exported as JSON Schema. */
export const spackDefinitionShape: ObjectShape = {
  kind: 'object',
  description: 'A spacktainers container definition: a Spack environment plus what spacktainers adds to the image.',
  fields: {
    spack: {
      required: true,
      shape: {
        kind: 'object',
        open: true,
        otherKeys: spackEnvironmentKeys,
        description: "A Spack environment, checked against Spack's own schema; spacktainers reads the keys listed.",
        fields: {
          specs: {
            required: true,
            shape: {
              kind: 'list',
              items: spackSpecListEntry,
              minItems: 1,
              description: 'The specs to install. The first one is a spec string with a package name: it names the container version.',
            },
          },
          packages: { shape: { kind: 'map', values: { kind: 'any' }, description: 'Spack package preferences.' } },
          ci: {
            shape: {
              kind: 'object',
              open: true,
              description:
                "Spack's ci section, merged with the one spacktainers writes: its runner tags, builder image, build script, timeout and rebuild-index win.",
              fields: {
                'pipeline-gen': {
                  shape: {
                    kind: 'list',
                    items: { kind: 'map', values: { kind: 'any' } },
                    description: "Spack's job attribute sections, applied after spacktainers' own.",
                  },
                },
                'rebuild-index': { shape: { kind: 'boolean' } },
              },
            },
          },
        },
      },
    },
    spacktainer: {
      shape: {
        kind: 'object',
        description: 'What spacktainers adds to the image beyond the Spack environment.',
        fields: { files: { shape: { kind: 'list', items: fileCopy } } },
      },
    },
  },
};

/** A definition as its file's name says to read it: a Spack environment or a Singularity definition. */
export function parseDefinition({ kind, file, text, name, arch }: DefinitionText): ContainerDefinition {
  return kind === 'spack' ? parseSpackDefinition(file, text, name, arch) : parseCustomDefinition(file, text, name, arch);
}

/**
 * The definitions of a project, once every problem found reading and parsing them is known: all
 * of them are reported together (with a name defined twice for an architecture), or the
 * definitions are sorted by arch, then name.
 */
export function definitionSet(definitions: ContainerDefinition[], switchedOff: string[], problems: SpacktainersError[]): DefinitionSet {
  throwIfAny([...problems, ...duplicateNames(definitions)]);
  definitions.sort(
    byKeys(
      (d) => d.arch,
      (d) => d.name,
    ),
  );
  return { definitions, switchedOff: switchedOff.sort(compareCodePoints) };
}

function duplicateNames(definitions: ContainerDefinition[]): SpacktainersError[] {
  const seen = new Map<string, ContainerDefinition>();
  const errors: SpacktainersError[] = [];
  for (const definition of definitions) {
    const key = `${definition.arch}/${definition.name}`;
    const first = seen.get(key);
    if (first) {
      errors.push(
        SpacktainersError.input(
          { file: definition.file, key: 'name' },
          `container "${definition.name}" is already defined for ${definition.arch} by ${first.file}`,
        ),
      );
    } else seen.set(key, definition);
  }
  return errors;
}

function parseSpackDefinition(file: string, content: string, name: string, arch: Architecture): SpackContainerDefinition {
  const source = YamlSource.parse(file, content);
  const value = source.toJS();
  const environment = isPlainObject(value) && isPlainObject(value.spack) ? value.spack : {};
  const specProblems = specListProblems(environment);
  const specErrors = specProblems.filter((problem) => !problem.warning).map((problem) => specError(source, problem));
  const ours = [...checkShape(source, value, spackDefinitionShape), ...specErrors];
  throwIfAny([...nameProblems(file, name), ...ours, ...spackSchemaProblems(source, value, ours)]);
  const { spack, spacktainer } = value as {
    spack: SpackContainerDefinition['environment'];
    spacktainer?: { files?: string[] };
  };
  const files: FileCopy[] = (spacktainer?.files ?? []).map((entry) => {
    const [source = '', target = ''] = entry.split(':');
    return { source, target };
  });
  const warnings = [
    ...specProblems.filter((problem) => problem.warning).map((problem) => specError(source, problem).message),
    ...ignoredSpackKeys(spack).map(({ path, meant }) => formatProblem(source.locateKey(['spack', ...path]), `Spack ignores this key${meantHint(meant)}`)),
    ...overriddenCiKeys(spack).map(({ path, reason }) => formatProblem(source.locateKey(['spack', ...path]), `overridden: ${reason}`)),
  ];
  return { kind: 'spack', name, arch, file, environment: spack, files, warnings };
}

/** At the offending character of the spec when the file spells it out, else at the value (whose message says the column in the spec). */
function specError(source: YamlSource, { path, index, problem }: SpecListProblem): SpacktainersError {
  const at = index === undefined ? undefined : source.locateInString(['spack', ...path], index);
  return at ? SpacktainersError.input(at, problem) : source.error(['spack', ...path], problem);
}

/**
 * What Spack's schema finds wrong under `spack:` that our own checks have not said already (ours
 * say it in spacktainers' terms: "is required", "must not be empty", a spec's syntax).
 */
function spackSchemaProblems(source: YamlSource, value: unknown, reported: SpacktainersError[]): SpacktainersError[] {
  const spack = isPlainObject(value) ? value.spack : undefined;
  if (!isPlainObject(spack)) return [];
  const keys = reported.map((error) => locationKey(error));
  const overlaps = (key: string) => keys.some((other) => other === key || other.startsWith(`${key}.`) || key.startsWith(`${other}.`));
  return spackEnvironmentProblems(source, spack, ['spack']).filter((error) => !overlaps(locationKey(error)));
}

function locationKey(error: SpacktainersError): string {
  return error.location && 'key' in error.location ? (error.location.key ?? '') : '';
}

/**
 * A Singularity definition file. Only the header matters to us, read as Singularity reads it
 * (apptainer's `pkg/build/types/parser/deffile.go`): the lines before the first `%section`,
 * blank lines and `#` comments skipped, `Key: value` with the key in any case. It must say
 * `Bootstrap: docker` and one `From: image:tag`, whose tag is the version.
 */
function parseCustomDefinition(file: string, text: string, name: string, arch: Architecture): CustomContainerDefinition {
  const errors = nameProblems(file, name);
  const { header, problems } = readDefinitionHeader(file, text);
  errors.push(...problems);
  const bootstrap = header.get('bootstrap');
  const from = header.get('from');
  // A header line that is wrong or strayed below a section already says what is missing.
  if (problems.length === 0 && !bootstrap) errors.push(headerProblem(file, 1, 1, 'Bootstrap', 'missing "Bootstrap: docker" header'));
  if (bootstrap && !SUPPORTED_BOOTSTRAPS.includes(bootstrap.value)) {
    errors.push(
      headerProblem(
        file,
        bootstrap.line,
        bootstrap.valueColumn,
        'Bootstrap',
        `${quoteValue(bootstrap.value)} is not a bootstrap agent spacktainers builds from: use "docker" (a From: image in a registry, pinned by its digest)`,
      ),
    );
  }
  if (problems.length === 0 && !from) errors.push(headerProblem(file, 1, 1, 'From', 'missing "From: image:tag" header'));
  const match = from ? imageReference.exec(from.value) : null;
  if (from && !match) {
    errors.push(
      headerProblem(
        file,
        from.line,
        from.valueColumn,
        'From',
        `${quoteValue(from.value)} is not an image reference with a tag (e.g. "docker.io/library/ubuntu:22.04")`,
      ),
    );
  }
  throwIfAny(errors);
  return { kind: 'custom', name, arch, file, fromImage: match![1]!, fromTag: match![2]!, text };
}

/**
 * The bootstrap agents whose `From:` is an image in a registry: the SIF job builds it with
 * `singularity build --fakeroot`, and the generator pins it by the digest the registry answers,
 * so a new image under the same tag rebuilds the SIF. Singularity compares the value as written.
 */
const SUPPORTED_BOOTSTRAPS = ['docker'];

/** The header keywords Singularity knows (`validHeaders`); `OtherURL<n>` is any number. */
const HEADER_KEYWORDS = new Set([
  'bootstrap',
  'from',
  'includecmd',
  'mirrorurl',
  'updateurl',
  'osversion',
  'include',
  'library',
  'registry',
  'namespace',
  'stage',
  'product',
  'user',
  'regcode',
  'productpgp',
  'registerurl',
  'modules',
  'fingerprints',
  'confurl',
  'setopt',
]);
const HEADER_LINE = /^(\s*)([^\s:#]*)\s*:\s*(.*?)\s*$/;

interface HeaderValue {
  value: string;
  line: number;
  valueColumn: number;
}

/** What the header says, by lowercased key, with every problem found in the header and where header keys stray. */
function readDefinitionHeader(file: string, text: string): { header: Map<string, HeaderValue>; problems: SpacktainersError[] } {
  const header = new Map<string, HeaderValue>();
  const problems: SpacktainersError[] = [];
  let section: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed.startsWith('%')) section = trimmed.split(/\s/, 1)[0];
    if (section !== undefined) {
      problems.push(...strayHeaderKey(file, raw, line, section));
      return;
    }
    if (trimmed === '' || trimmed.startsWith('#')) return;
    // Singularity cuts a header line at its first "#".
    const parts = HEADER_LINE.exec(raw.split('#', 1)[0]!);
    if (!parts) {
      problems.push(headerProblem(file, line, raw.indexOf(trimmed) + 1, '-', `${quoteValue(trimmed)} is not a "Key: value" header line`));
      return;
    }
    const [, indent = '', key = '', value = ''] = parts;
    const keyword = key.toLowerCase();
    const where = { line, column: indent.length + 1, valueColumn: raw.indexOf(value, indent.length + key.length) + 1 };
    if (!HEADER_KEYWORDS.has(keyword) && !/^otherurl\d+$/.test(keyword)) {
      problems.push(headerProblem(file, line, where.column, key, `${quoteValue(key)} is not a header keyword Singularity knows`));
      return;
    }
    const first = header.get(keyword);
    if (first) {
      problems.push(
        headerProblem(file, line, where.column, key, `a second ${key} header: the first is on line ${first.line} (one image is built per definition)`),
      );
      return;
    }
    header.set(keyword, { value, line, valueColumn: where.valueColumn });
  });
  return { header, problems };
}

/**
 * `Bootstrap:` or `From:` after the header is no header: Singularity reads the first as the start
 * of another build stage and the second as a line of the section. `%help` is free text.
 */
function strayHeaderKey(file: string, raw: string, line: number, section: string): SpacktainersError[] {
  const stray = /^(\s*)(bootstrap|from)\s*:/i.exec(raw);
  if (!stray || section.toLowerCase() === '%help') return [];
  const [, indent = '', key = ''] = stray;
  const stage = key.toLowerCase() === 'bootstrap' ? ' (Singularity would start a second build stage here; spacktainers builds one)' : '';
  return [headerProblem(file, line, indent.length + 1, key, `is in ${section}: header keys come before the first %section${stage}`)];
}

function headerProblem(file: string, line: number, column: number, key: string, problem: string): SpacktainersError {
  return SpacktainersError.input({ file, line, column, ...(key === '-' ? {} : { key }) }, problem);
}

/** A container's name is its file's: a problem with it is reported at the file's start. */
function nameProblems(file: string, name: string): SpacktainersError[] {
  const problem = containerName.pattern!.test(name) ? containerName.check!(name) : `${quoteValue(name)} is not ${containerName.patternMeaning}`;
  return problem ? [SpacktainersError.input({ file, line: 1, column: 1, key: 'name' }, problem)] : [];
}
