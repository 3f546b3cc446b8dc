import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectJsonSchemas } from '../../generator/definitions/json-schemas.js';
import { REPO_ROOT } from '../support/project.js';

describe('JSON Schemas for editors', () => {
  it('are committed exactly as `spacktainers schemas` makes them', () => {
    for (const { file, text } of projectJsonSchemas()) {
      expect(readFileSync(path.join(REPO_ROOT, 'schemas', file), 'utf8')).toBe(text);
    }
  });

  it('accept the bundled definitions and settings and reject what validate rejects', () => {
    const ajv = new Ajv({ strict: false });
    const [definition, settings] = projectJsonSchemas().map(({ text }) => ajv.compile(JSON.parse(text)));
    for (const file of ['amd64/build-tools.yaml', 'amd64/numpy.yaml', 'amd64/hdf5-mpi/spack.yaml', 'arm64/numpy.yaml']) {
      expect([file, definition!(parse(readFileSync(path.join(REPO_ROOT, 'container_definitions', file), 'utf8')))]).toEqual([file, true]);
    }
    expect(settings!(parse(readFileSync(path.join(REPO_ROOT, 'settings.yaml'), 'utf8')))).toBe(true);
    expect(definition!({ spack: { specs: [] } })).toBe(false);
    expect(definition!({ spack: { specs: ['zlib; id'] } })).toBe(false);
    expect(definition!({ spack: { specs: ['zlib'] }, extra: 1 })).toBe(false);
  });
});
