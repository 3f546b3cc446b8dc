import { PassThrough } from 'node:stream';
import { buildCli } from '../../generator/cli/main.js';

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
