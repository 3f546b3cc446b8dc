import path from 'node:path/posix';
import type { Shape, StringShape } from '../input/shape.js';
import { quoteValue } from '../input/quote.js';

/**
 * What user-written values may contain. Each is as strict as its purpose allows and contains
 * no character with a meaning to a POSIX shell (`;&|$\`<>(){}*?!"'\` and newlines), so a
 * definition can never smuggle a command into a generated script. Specs are not here: Spack's
 * grammar decides what they may hold (spack/spec-syntax.ts), and they reach scripts only as data
 * (the spack.yaml spacktainers writes).
 */

/**
 * One path component of an image repository, as the OCI distribution spec and Docker's
 * `reference` grammar define it (GitLab's registry checks the same): runs of lowercase letters and
 * digits joined by one ".", one or two "_", or any number of "-".
 */
const repositoryComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const componentInWords = 'lowercase letters and digits, separated by one ".", one or two "_", or any number of "-"';

/** A repository path below a registry host: components joined by "/". */
export const repositoryPath: StringShape = {
  kind: 'string',
  pattern: new RegExp(`^${repositoryComponent}(?:/${repositoryComponent})*$`),
  patternMeaning: `a repository path a registry accepts: parts of ${componentInWords}, joined by "/"; each part starts and ends with a letter or digit`,
};

/**
 * Longest container name: it is the last component of the image repository (whose full name,
 * host included, a registry caps at 255 characters), and it is in job names, S3 keys and file
 * names, so a bound known in advance lets the settings check the registry path once for all names.
 */
export const MAX_CONTAINER_NAME = 64;

/** Container names become image repositories, tags, S3 keys and job names. */
export const containerName: StringShape = {
  kind: 'string',
  pattern: new RegExp(`^${repositoryComponent}$`),
  patternMeaning: `a container name a registry accepts: ${componentInWords}; it must start and end with a letter or digit`,
  check: (value) =>
    value.length > MAX_CONTAINER_NAME ? `${quoteValue(value)} is longer than the ${MAX_CONTAINER_NAME} characters a container name may have` : undefined,
};

/**
 * Every character a token of Spack's spec grammar can hold, and `$` of a reference to a list:
 * what an editor can check of a spec without the grammar. No valid spec has any other, so the
 * shell's `;|&<>(){}` and backquotes are refused as they are typed.
 */
const specCharacters = String.raw`^[A-Za-z0-9_\s@%+~=:,./^\[\]"'\\*$-]*$`;

/**
 * An entry of `spack.specs`: a spec string, a reference to a list of `definitions:`, or a
 * matrix. Checked with Spack's grammar by specListProblems (spack/spec-list.ts), with the
 * position of the offending character; the editor schema checks the characters only.
 */
export const spackSpecListEntry: Shape = {
  kind: 'any',
  description:
    'A Spack spec ("py-numpy@1.26 +blas ^openblas threads=openmp"), a reference to a list under definitions ("$compilers"), or a matrix ({matrix: [[...], [...]], exclude: [...]}).',
  jsonSchema: {
    anyOf: [
      { type: 'string', pattern: specCharacters },
      {
        type: 'object',
        properties: {
          matrix: { type: 'array', items: { type: 'array', items: { type: 'string', pattern: specCharacters } } },
          exclude: { type: 'array', items: { type: 'string', pattern: specCharacters } },
        },
        required: ['matrix'],
        additionalProperties: false,
      },
    ],
  },
};

const relativePathPattern = /^[A-Za-z0-9_.][A-Za-z0-9_.+@-]*(\/[A-Za-z0-9_.+@-]+)*$/;

/** `source:target`: both relative, neither leaving its root. */
export const fileCopy: StringShape = {
  kind: 'string',
  pattern: /^[^:]+:[^:]+$/,
  patternMeaning: 'of the form "source:target"',
  description: 'Copy spacktainer/files/<source> to /<target> in the image. Both are relative paths that stay inside their root.',
  check: (value) => {
    const [source = '', target = ''] = value.split(':');
    return pathProblem('source', source, 'spacktainer/files/') ?? pathProblem('target', target, 'the image root');
  },
};

function pathProblem(role: string, value: string, root: string): string | undefined {
  if (value.startsWith('/')) return `${role} ${quoteValue(value)} is absolute; write it relative to ${root}`;
  if (value.split('/').some((part) => part === '..') || path.normalize(value).startsWith('..')) {
    return `${role} ${quoteValue(value)} escapes ${root}`;
  }
  if (!relativePathPattern.test(value)) {
    return `${role} ${quoteValue(value)} must be a plain relative path (letters, digits and _.+@- between slashes)`;
  }
  return undefined;
}

/** A registry host as an image reference names it: a domain name or IPv4 address, and an optional port. */
const registryHostSource = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?';

export const registryHost: StringShape = {
  kind: 'string',
  pattern: new RegExp(`^${registryHostSource}$`),
  patternMeaning: 'a registry host (a domain name, optionally with ":port")',
};

/** `From:` of a Singularity definition: a registry image reference with a tag, as Docker's reference grammar reads it. */
export const imageReference = new RegExp(
  `^((?:${registryHostSource}/)?${repositoryComponent}(?:/${repositoryComponent})*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$`,
);
