import { formatProblem, SpacktainersError, throwIfAny } from '../errors.js';
import { checkShape, isPlainObject, type ObjectShape } from '../input/shape.js';
import { YamlSource } from '../input/yaml-source.js';
import type { Architecture } from '../settings/settings.js';
import { overriddenCiKeys } from '../spack/environment.js';
import { ignoredSpackKeys, spackEnvironmentKeys, spackEnvironmentProblems } from '../spack/environment-schema.js';
import type { ContainerDefinition, CustomContainerDefinition, DefinitionSet, DefinitionText, FileCopy, SpackContainerDefinition } from './definition.js';
import { containerName, fileCopy, imageReference, spackSpec } from './syntax.js';
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
              items: spackSpec,
              minItems: 1,
              description: 'The specs to install. The first one names the container version.',
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

export function parseSpackDefinition(file: string, content: string, name: string, arch: Architecture): SpackContainerDefinition {
  const source = YamlSource.parse(file, content);
  const value = source.toJS();
  const shapeProblems = checkShape(source, value, spackDefinitionShape);
  throwIfAny([...nameProblems(file, name), ...shapeProblems, ...spackSchemaProblems(source, value, shapeProblems)]);
  const { spack, spacktainer } = value as {
    spack: SpackContainerDefinition['environment'];
    spacktainer?: { files?: string[] };
  };
  const files: FileCopy[] = (spacktainer?.files ?? []).map((entry) => {
    const [source = '', target = ''] = entry.split(':');
    return { source, target };
  });
  const warnings = [
    ...ignoredSpackKeys(spack).map(({ path, meant }) => formatProblem(source.locateKey(['spack', ...path]), `Spack ignores this key; did you mean ${meant}?`)),
    ...overriddenCiKeys(spack).map(({ path, reason }) => formatProblem(source.locateKey(['spack', ...path]), `overridden: ${reason}`)),
  ];
  return { kind: 'spack', name, arch, file, environment: spack, files, warnings };
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
 * A Singularity definition file. Only the header matters to us: `Bootstrap: docker` (or
 * docker-daemon/oras, any image source) and `From: image:tag`, whose tag is the version.
 */
export function parseCustomDefinition(file: string, text: string, name: string, arch: Architecture): CustomContainerDefinition {
  const errors = nameProblems(file, name);
  const lines = text.split('\n');
  const fromLine = lines.findIndex((line) => /^\s*From\s*:/i.test(line));
  if (fromLine < 0) {
    errors.push(SpacktainersError.input({ file, line: 1, column: 1, key: 'From' }, 'missing "From: image:tag" header'));
    throwIfAny(errors);
  }
  const line = lines[fromLine] ?? '';
  const reference = line.replace(/^\s*From\s*:\s*/i, '').trim();
  const match = imageReference.exec(reference);
  if (!match) {
    const column = line.indexOf(reference) + 1;
    errors.push(
      SpacktainersError.input(
        { file, line: fromLine + 1, column, key: 'From' },
        `${quoteValue(reference)} is not an image reference with a tag (e.g. "docker.io/library/ubuntu:22.04")`,
      ),
    );
  }
  throwIfAny(errors);
  return { kind: 'custom', name, arch, file, fromImage: match![1]!, fromTag: match![2]!, text };
}

function nameProblems(file: string, name: string): SpacktainersError[] {
  return containerName.pattern!.test(name)
    ? []
    : [SpacktainersError.input({ file, key: 'name' }, `${quoteValue(name)} is not ${containerName.patternMeaning}`)];
}
