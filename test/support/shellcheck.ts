import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { JobBody } from './pipeline-tree.js';

const run = promisify(execFile);

/** A shell script to check, named for the report. */
export interface ShellScript {
  label: string;
  text: string;
}

/**
 * GitLab's shell writer runs `before_script` and `script` as one script with errexit on (and
 * pipefail where the shell has it), `after_script` as a second one; CI variables are
 * environment variables. The docker runner takes bash when the image has it, else sh: checked
 * as POSIX sh, the shell every job's image has.
 */
export function jobScripts(file: string, jobs: Map<string, JobBody>): ShellScript[] {
  const lines = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  const script = (label: string, body: string[]) => ({ label, text: `#!/bin/sh\nset -e\n${body.join('\n')}\n` });
  const scripts: ShellScript[] = [];
  for (const [name, job] of jobs) {
    const main = [...lines(job.before_script), ...lines(job.script)];
    if (main.length > 0) scripts.push(script(`${file}: ${name}`, main));
    const after = lines(job.after_script);
    if (after.length > 0) scripts.push(script(`${file}: ${name} (after_script)`, after));
  }
  return scripts;
}

/**
 * Everything Debian's shellcheck reports on the scripts, at every severity, as
 * `label:line: SCnnnn (level): message: the line`, sorted (empty when clean). One shellcheck run for all.
 */
export async function shellcheckFindings(scripts: ShellScript[]): Promise<string[]> {
  if (scripts.length === 0) return [];
  const dir = await mkdtemp(path.join(tmpdir(), 'spacktainers-shellcheck-'));
  try {
    const files = scripts.map((_, index) => path.join(dir, `${String(index).padStart(4, '0')}.sh`));
    await Promise.all(scripts.map((script, index) => writeFile(files[index]!, script.text)));
    const { stdout } = await run('shellcheck', ['--shell=sh', '--format=json1', ...files], { maxBuffer: 64 * 1024 * 1024 }).catch(
      // shellcheck exits 1 when it finds something; its report is on stdout either way.
      (error: { code?: number; stdout?: string; stderr?: string }) => {
        if (error.code !== 1) throw new Error(`shellcheck failed: ${error.stderr}`);
        return { stdout: error.stdout ?? '' };
      },
    );
    const report = JSON.parse(stdout) as { comments: { file: string; line: number; code: number; level: string; message: string }[] };
    return report.comments
      .map((c) => {
        const script = scripts[files.indexOf(c.file)]!;
        const source = script.text.split('\n')[c.line - 1];
        return `${script.label}:${c.line}: SC${c.code} (${c.level}): ${c.message}: ${source}`;
      })
      .sort();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
