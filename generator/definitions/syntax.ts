import path from 'node:path/posix';
import type { StringShape } from '../input/shape.js';
import { quoteValue } from '../input/quote.js';

/**
 * What user-written values may contain. Each is as strict as its purpose allows and contains
 * no character with a meaning to a POSIX shell (`;&|$\`<>(){}*?!"'\` and newlines), so a
 * definition can never smuggle a command into a generated script.
 */

/** Container names become image repositories, tags, S3 keys and job names. */
export const containerName: StringShape = {
  kind: 'string',
  pattern: /^[a-z0-9][a-z0-9._-]{0,63}$/,
  patternMeaning: 'a container name (lowercase letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters)',
};

/** Plain Spack spec syntax: `name@version +variant ~variant key=value %compiler ^dep arch=...`. */
export const spackSpec: StringShape = {
  kind: 'string',
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_@%+~=:,./^ -]*$/,
  patternMeaning: 'plain Spack spec syntax (letters, digits, spaces and _@%+~=:,./^- only; no shell metacharacters)',
  description: 'A Spack spec, e.g. "py-numpy@1.26 +blas ^openblas threads=openmp".',
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
