import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectJsonSchemas } from '../../generator/definitions/json-schemas.js';
import { REPO_ROOT } from '../support/project.js';

/** Every definition the project ships: its own and the end-to-end test project's. */
const BUNDLED_DEFINITIONS = ['container_definitions', 'test/e2e/project/container_definitions'].flatMap((folder) =>
  readdirSync(path.join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => path.join(folder, file)),
);

describe('JSON Schemas for editors', () => {
  it('are committed exactly as `spacktainers schemas` makes them', () => {
    for (const { file, text } of projectJsonSchemas()) {
      expect(readFileSync(path.join(REPO_ROOT, 'schemas', file), 'utf8')).toBe(text);
    }
  });

  it('accept the bundled definitions and settings and reject what validate rejects', () => {
    const ajv = new Ajv({ strict: false });
    const [definition, settings] = projectJsonSchemas().map(({ text }) => ajv.compile(JSON.parse(text)));
    for (const file of BUNDLED_DEFINITIONS) {
      expect([file, definition!(parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')))]).toEqual([file, true]);
    }
    expect(settings!(parse(readFileSync(path.join(REPO_ROOT, 'settings.yaml'), 'utf8')))).toBe(true);
    expect(definition!({ spack: { specs: [] } })).toBe(false);
    expect(definition!({ spack: { specs: ['zlib; id'] } })).toBe(false);
    expect(definition!({ spack: { specs: ['zlib'] }, extra: 1 })).toBe(false);
    // What Spack's own schema refuses, which editors underline too.
    expect(definition!({ spack: { specs: ['zlib'], packges: {} } })).toBe(false);
    expect(definition!({ spack: { specs: ['zlib'], concretizer: { unfiy: true } } })).toBe(false);
    expect(definition!({ spack: { specs: ['zlib'], view: 3 } })).toBe(false);
    expect(definition!({ spack: { specs: ['zlib'], concretizer: { unify: true }, view: false } })).toBe(true);
  });
});
