import { spackDefinitionShape } from './parse.js';
import { toJsonSchema, type ObjectShape } from '../input/shape.js';
import { settingsShape } from '../settings/settings.js';
import { spackEnvironmentSchema } from '../spack/environment-schema.js';

/**
 * The JSON Schemas shipped in schemas/ for editors (`# yaml-language-server: $schema=...`).
 * They are made from the same shapes the generator checks files with.
 */
export function projectJsonSchemas(): { file: string; text: string }[] {
  const schema = (id: string, title: string, shape: ObjectShape, adapt = (json: Record<string, unknown>) => json) =>
    `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: id, title, ...adapt(toJsonSchema(shape)) }, null, 2)}\n`;
  return [
    {
      file: 'container-definition.schema.json',
      text: schema('spacktainers/container-definition', 'spacktainers container definition', spackDefinitionShape, withSpackSchema),
    },
    { file: 'settings.schema.json', text: schema('spacktainers/settings', 'spacktainers settings', settingsShape) },
  ];
}

/**
 * `spack:` must satisfy both Spack's own schema (so editors underline what Spack would refuse)
 * and ours (specs required and non-empty, each one's syntax).
 */
function withSpackSchema(definition: Record<string, unknown>): Record<string, unknown> {
  const properties = definition.properties as Record<string, Record<string, unknown>>;
  const { description, ...ours } = properties.spack!;
  return { ...definition, properties: { ...properties, spack: { description, allOf: [spackEnvironmentSchema, ours] } } };
}
