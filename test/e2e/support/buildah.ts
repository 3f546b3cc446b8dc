import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Run buildah with the e2e's containers configuration; its output goes to the error on failure. */
export async function buildah(args: string[], env: Record<string, string>, cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('buildah', args, {
      cwd,
      env: { ...process.env, ...env, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' },
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`buildah ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

/**
 * Remove the manifest lists in local storage named below `prefix`. A GitLab job starts with
 * empty storage, so the base-image manifest jobs' `buildah manifest create` assumes the name is
 * free; the e2e keeps its storage between runs, where the list of an earlier run holds it.
 */
export async function removeLocalManifestLists(prefix: string, env: Record<string, string>): Promise<string[]> {
  const images = JSON.parse((await buildah(['images', '--json'], env)) || '[]') as { names?: string[] }[];
  const removed: string[] = [];
  for (const name of images.flatMap((image) => image.names ?? []).filter((n) => n.startsWith(prefix))) {
    try {
      await buildah(['manifest', 'rm', name], env);
      removed.push(name);
    } catch (error) {
      if (!String(error).includes('is not a manifest list')) throw error;
    }
  }
  return removed;
}

/**
 * Drop what earlier runs left in local storage and no later run reuses: working containers of
 * builds that stopped, and untagged images (layers cached by `--layers` and images whose tag a
 * later build took). Kept, vfs storage grows by gigabytes a run until the disk is full, which
 * then fails image builds with "no space left on device". Tagged images stay.
 */
export async function pruneLocalStorage(env: Record<string, string>): Promise<void> {
  await buildah(['rm', '--all'], env);
  await buildah(['rmi', '--prune'], env);
}
