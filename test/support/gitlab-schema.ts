import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { limitViolations, type PipelineFile } from '../../generator/pipeline/limits.js';

/** GitLab's own CI schema, copied into fixtures/ (see fixtures/gitlab-ci-schema/README.md). */
const schemaPath = path.join(import.meta.dirname, '../../fixtures/gitlab-ci-schema/ci.json');
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

/** Schema errors of one CI YAML text, as readable lines (empty when valid). */
export function gitlabSchemaErrors(yamlText: string): string[] {
  const value = parse(yamlText, { maxAliasCount: -1 });
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Schema errors and limit violations together: what GitLab would refuse. */
export function gitlabRefusals(file: PipelineFile): string[] {
  return [...gitlabSchemaErrors(file.text).map((e) => `${file.path}: ${e}`), ...limitViolations(file)];
}
