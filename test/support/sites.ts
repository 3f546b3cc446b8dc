import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseDocument } from 'yaml';
import { REPO_ROOT } from './project.js';

/** The bundled settings file's text. */
export const BUNDLED_SETTINGS = readFileSync(path.join(REPO_ROOT, 'settings.yaml'), 'utf8');

/** The YAML block that follows `marker` in a Markdown file of the repository. */
function documentedBlock(file: string, marker: string): string {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const after = text.slice(text.indexOf(marker));
  const start = after.indexOf('```yaml\n') + '```yaml\n'.length;
  return after.slice(start, after.indexOf('\n```', start));
}

/** The bundled settings with the keys of the two-site example of docs/settings.md in place of its own. */
export function twoSiteSettings(): string {
  const example = parse(documentedBlock('docs/settings.md', '<!-- two-site example')) as Record<string, unknown>;
  const settings = parseDocument(BUNDLED_SETTINGS);
  for (const [key, value] of Object.entries(example)) settings.set(key, value);
  return settings.toString();
}

/** The credential variables of the production cache in the two-site example: protected variables. */
export const PRODUCTION_CACHE_VARIABLES = ['S3_PROD_CACHE_ACCESS_KEY', 'S3_PROD_CACHE_SECRET_KEY', 'S3_B_PROD_CACHE_ACCESS_KEY', 'S3_B_PROD_CACHE_SECRET_KEY'];

/** The bundled settings with its architectures renamed: amd64 to `first`, arm64 to `second`, runner tags too. */
export function renamedArchitectures(first: string, second: string): string {
  return BUNDLED_SETTINGS.replace(/\bamd64\b/g, first).replace(/\barm64\b/g, second);
}
