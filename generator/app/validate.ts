import path from 'node:path';
import { SpacktainersError } from '../errors.js';
import type { DefinitionSet } from '../definitions/definition.js';
import { architectureNames, inCi, unknownOverrides } from '../settings/settings.js';
import { loadDefinitions, loadSettings, PROJECT_FOLDER } from './project.js';
import type { Terminal } from './terminal.js';

/** What `validate --json` prints (docs/cli.md). */
export interface ValidationReport {
  valid: boolean;
  /** Each switched-on definition, by architecture then name; empty when a problem stopped the reading. */
  definitions: { arch: string; name: string; kind: 'spack' | 'custom'; file: string; warnings: string[] }[];
  /** The files and folders skipped because their name starts with `_`. */
  switchedOff: string[];
  /** What is accepted but has no effect (a `SPACKTAINERS_*` variable that overrides no setting), as printed. */
  warnings: string[];
  problems: ValidationProblem[];
}

/** One problem, where it is (null where a problem has no such place) and the line `validate` prints for it. */
export interface ValidationProblem {
  file: string | null;
  line: number | null;
  column: number | null;
  key: string | null;
  message: string;
}

function problemOf(error: SpacktainersError): ValidationProblem {
  const at = error.location !== undefined && 'file' in error.location ? error.location : undefined;
  return { file: at?.file ?? null, line: at?.line ?? null, column: at?.column ?? null, key: error.location?.key ?? null, message: error.message };
}

function report(set: DefinitionSet, warnings: string[]): ValidationReport {
  const definitions = set.definitions.map((d) => ({ arch: d.arch, name: d.name, kind: d.kind, file: d.file, warnings: d.kind === 'spack' ? d.warnings : [] }));
  return { valid: true, definitions, switchedOff: set.switchedOff, warnings, problems: [] };
}

/**
 * Read the settings and every definition, which reports each problem with its file, line and
 * key; prints each valid definition, its warnings and the switched-off ones, and warns of
 * `SPACKTAINERS_*` variables that override no setting. With `json`, prints the ValidationReport
 * instead, also when the input is wrong (then the problems are thrown on as well, for stderr and
 * the exit code).
 */
export async function validateProject(
  definitionsDir: string,
  settingsFile: string,
  json: boolean,
  environment: NodeJS.ProcessEnv,
  terminal: Terminal,
): Promise<void> {
  const root = path.resolve(PROJECT_FOLDER);
  let result: ValidationReport;
  try {
    const settings = await loadSettings(settingsFile, environment);
    // In CI loadSettings has refused them already.
    const warnings = inCi(environment) ? [] : unknownOverrides(environment, settingsFile, settings).map((unknown) => unknown.message);
    // Printed before the definitions are read, so that they are seen when a definition is wrong.
    if (!json) for (const warning of warnings) terminal.stderr.write(`warning: ${warning}\n`);
    result = report(await loadDefinitions(path.resolve(definitionsDir), root, architectureNames(settings)), warnings);
  } catch (error) {
    if (json && error instanceof SpacktainersError && error.kind === 'input') {
      const problems = error.problems.map(problemOf);
      terminal.stdout.write(
        `${JSON.stringify({ valid: false, definitions: [], switchedOff: [], warnings: [], problems } satisfies ValidationReport, null, 2)}\n`,
      );
    }
    throw error;
  }
  if (json) {
    terminal.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const definition of result.definitions) {
    terminal.stdout.write(`ok  ${definition.arch}/${definition.name}  (${definition.file})\n`);
    for (const warning of definition.warnings) terminal.stderr.write(`warning: ${warning}\n`);
  }
  for (const off of result.switchedOff) terminal.stdout.write(`off ${off}\n`);
  terminal.stdout.write(`${result.definitions.length} definitions valid\n`);
}
