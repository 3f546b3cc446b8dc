import type { SpackContainerDefinition } from '../../generator/definitions/definition.js';
import { parseDefinition } from '../../generator/definitions/parse.js';

/** A `.yaml` definition of amd64, parsed as every command reads it. */
export function parseSpackDefinition(file: string, text: string, name: string): SpackContainerDefinition {
  const parsed = parseDefinition({ kind: 'spack', file, text, name, arch: 'amd64' });
  if (parsed.kind !== 'spack') throw new Error('a .yaml definition is a Spack one');
  return parsed;
}
