import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startGitServer, type GitServer } from './git-server.js';
import { REPO_ROOT } from './project.js';

const run = promisify(execFile);

/** git with an identity, for the throw-away repositories of the tests. */
export const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.email=ci@example.org', '-c', 'user.name=ci', ...args], { cwd });

/** The version in package.json: the tag a release of the component gets. */
export const VERSION = (JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * This checkout's templates/ released as the component project `hpc/spacktainers`, tagged
 * VERSION, on a git server that users' repositories (whose remote points at it) include it from.
 */
export async function serveComponentRelease(): Promise<GitServer> {
  const component = await mkdtemp(path.join(tmpdir(), 'spacktainers-component-'));
  await cp(path.join(REPO_ROOT, 'templates'), path.join(component, 'templates'), { recursive: true });
  await git(component, 'init', '-q', '-b', 'main');
  await git(component, 'add', '-A');
  await git(component, 'commit', '-qm', 'component');
  await git(component, 'tag', VERSION);
  const projects = await mkdtemp(path.join(tmpdir(), 'spacktainers-projects-'));
  await mkdir(path.join(projects, 'hpc'));
  await git(projects, 'clone', '-q', '--bare', component, 'hpc/spacktainers.git');
  return startGitServer(projects);
}
