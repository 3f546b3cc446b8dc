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

/** Container names become image repositories, tags, S3 keys and job names. */
export const containerName: StringShape = {
  kind: 'string',
  pattern: /^[a-z0-9][a-z0-9._-]{0,63}$/,
  patternMeaning: 'a container name (lowercase letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters)',
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

/** `From:` of a Singularity definition: a registry image reference with a tag. */
export const imageReference = /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/;
