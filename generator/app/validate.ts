import path from 'node:path';
import { architectureNames, inCi, unknownOverrides } from '../settings/settings.js';
import { loadDefinitions, loadSettings, PROJECT_FOLDER } from './project.js';
import type { Terminal } from './terminal.js';

/**
 * Read the settings and every definition, which reports each problem with its file, line and
 * key; prints each valid definition, its warnings and the switched-off ones, and warns of
 * `SPACKTAINERS_*` variables that override no setting.
 */
export async function validateProject(definitionsDir: string, settingsFile: string, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const root = path.resolve(PROJECT_FOLDER);
  const settings = await loadSettings(settingsFile, environment);
  // In CI loadSettings has refused them already.
  if (!inCi(environment)) for (const unknown of unknownOverrides(environment, settingsFile, settings)) terminal.stderr.write(`warning: ${unknown.message}\n`);
  const set = await loadDefinitions(path.resolve(definitionsDir), root, architectureNames(settings));
  for (const definition of set.definitions) {
    terminal.stdout.write(`ok  ${definition.arch}/${definition.name}  (${definition.file})\n`);
    for (const warning of definition.kind === 'spack' ? definition.warnings : []) terminal.stderr.write(`warning: ${warning}\n`);
  }
  for (const off of set.switchedOff) terminal.stdout.write(`off ${off}\n`);
  terminal.stdout.write(`${set.definitions.length} definitions valid\n`);
}
