import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { buildCli } from '../../generator/cli/main.js';
import { REPO_ROOT } from './project.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the spacktainers CLI in-process, from `cwd`, with the given CI variables. */
export async function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const previous = { cwd: process.cwd(), env: process.env };
  process.chdir(cwd);
  process.env = { PATH: previous.env.PATH, ...env };
  try {
    const code = await buildCli().run(args, { stdin: process.stdin, stdout, stderr, env: process.env, colorDepth: 1 });
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.chdir(previous.cwd);
    process.env = previous.env;
  }
}

/**
 * Run the built CLI (`bin/spacktainers.js`, as `npm ci` builds it) as its own process, from
 * `cwd`, with only the given environment: what a user or a CI job sees, exit code included.
 */
export function runBuiltCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runProcess(process.execPath, [path.join(REPO_ROOT, 'bin/spacktainers.js'), ...args], cwd, {
    PATH: process.env.PATH,
    HOME: cwd,
    NODE_NO_WARNINGS: '1',
    ...env,
  });
}

/**
 * Run a program with exactly `env`, its output collected. Not spawnSync: a loopback server the
 * program talks to may run in this process.
 */
export function runProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    const err: string[] = [];
    child.stdout.on('data', (chunk) => out.push(String(chunk)));
    child.stderr.on('data', (chunk) => err.push(String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: out.join(''), stderr: err.join('') }));
  });
}
