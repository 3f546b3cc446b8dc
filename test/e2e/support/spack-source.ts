import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface SpackSource {
  /** `git://127.0.0.1:<port>/spack.git`, for SPACKTAINERS_SPACK_REPOSITORY. */
  url: string;
  /** The one commit it holds, for SPACKTAINERS_SPACK_COMMIT. */
  commit: string;
  stop(): Promise<void>;
}

/**
 * Git run on the cache's repository alone: no user or system configuration (a global excludes
 * file would change what is committed, and so the commit), a fixed author and date (the commit
 * hash is part of the builder's checksum: the same Spack must give the same commit every run).
 */
function git(gitDir: string, workTree: string | undefined, args: string[]): Promise<string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: gitDir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_DIR: gitDir,
    GIT_AUTHOR_NAME: 'spacktainers e2e',
    GIT_AUTHOR_EMAIL: 'e2e@spacktainers.invalid',
    GIT_AUTHOR_DATE: '2000-01-01T00:00:00Z',
    GIT_COMMITTER_NAME: 'spacktainers e2e',
    GIT_COMMITTER_EMAIL: 'e2e@spacktainers.invalid',
    GIT_COMMITTER_DATE: '2000-01-01T00:00:00Z',
    ...(workTree ? { GIT_WORK_TREE: workTree, GIT_INDEX_FILE: `${gitDir}.index` } : {}),
  };
  return execFileAsync('git', args, { env, maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout.trim());
}

/**
 * Commit the Spack in `spackRoot` (the one the e2e runs) into a bare repository in the cache,
 * as its tracked files would be: Spack's own .gitignore keeps out the site configuration that
 * setting it up on this machine wrote to etc/spack/ (compilers of this host, its offline
 * concretizer choice), caches and byte code. The builder image configures its Spack itself.
 */
export async function commitSpack(cacheDir: string, spackRoot: string): Promise<{ gitDir: string; commit: string }> {
  if (!existsSync(path.join(spackRoot, 'bin/spack'))) throw new Error(`SPACK_ROOT=${spackRoot} holds no bin/spack`);
  const base = path.join(cacheDir, 'git');
  const gitDir = path.join(base, 'spack.git');
  if (!existsSync(path.join(gitDir, 'HEAD'))) {
    await mkdir(base, { recursive: true });
    await git(gitDir, undefined, ['init', '--quiet', '--bare', '--initial-branch=main']);
    // `git fetch <commit>`, as the builder's Dockerfile does, needs the server to allow it.
    await git(gitDir, undefined, ['config', 'uploadpack.allowAnySHA1InWant', 'true']);
    await git(gitDir, undefined, ['config', 'uploadpack.allowReachableSHA1InWant', 'true']);
    await git(gitDir, undefined, ['config', 'daemon.uploadpack', 'true']);
  }
  await git(gitDir, spackRoot, ['add', '--all', '.']);
  const tree = await git(gitDir, spackRoot, ['write-tree']);
  const commit = await git(gitDir, spackRoot, ['commit-tree', tree, '-m', `Spack from ${path.basename(spackRoot)}`]);
  await git(gitDir, undefined, ['update-ref', 'refs/heads/main', commit]);
  return { gitDir, commit };
}

/** Serve the cache's Spack repository with `git daemon` on 127.0.0.1:`port`. */
export async function serveSpackSource(cacheDir: string, spackRoot: string, port: number): Promise<SpackSource> {
  const { gitDir, commit } = await commitSpack(cacheDir, spackRoot);
  const base = path.dirname(gitDir);
  const child = spawn(
    'git',
    ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${base}`, '--export-all', '--informative-errors', base],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  for (let attempt = 0; !(await listening(port)); attempt++) {
    if (attempt > 100 || child.exitCode !== null) {
      child.kill();
      throw new Error(`git daemon did not start on port ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `git://127.0.0.1:${port}/spack.git`,
    commit,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
