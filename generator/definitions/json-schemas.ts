import { spackDefinitionShape } from './parse.js';
import { toJsonSchema, type ObjectShape } from '../input/shape.js';
import { settingsShape } from '../settings/settings.js';

/**
 * The JSON Schemas shipped in schemas/ for editors (`# yaml-language-server: $schema=...`).
 * They are made from the same shapes the generator checks files with.
 */
export function projectJsonSchemas(): { file: string; text: string }[] {
  const schema = (id: string, title: string, shape: ObjectShape) =>
    `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: id, title, ...toJsonSchema(shape) }, null, 2)}\n`;
  return [
    {
      file: 'container-definition.schema.json',
      text: schema('spacktainers/container-definition', 'spacktainers container definition', spackDefinitionShape),
    },
    { file: 'settings.schema.json', text: schema('spacktainers/settings', 'spacktainers settings', settingsShape) },
  ];
}
